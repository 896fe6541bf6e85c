#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace ovspeech {

// The one error vocabulary shared by every layer; the HTTP layer maps each code to a status.
// Unavailable: the model is being unloaded or is not loaded (the server's doing, not the client's);
// Cancelled is kept for the client's own cancellation.
enum class ErrorCode { InvalidArgument, UnsupportedModel, ModelNotFound, Cancelled, Overloaded, Unavailable, Internal };

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
public:
    // `param`: the request parameter or setting at fault, when there is one ("device", "maxNewTokens").
    Error(ErrorCode code, const std::string& message, std::string param = {})
        : std::runtime_error(message), code_(code), param_(std::move(param)) {}
    ErrorCode code() const { return code_; }
    const std::string& param() const { return param_; }

private:
    ErrorCode code_;
    std::string param_;
};

// UNAVAILABLE, for a request to a model that is unloaded or being unloaded.
Error model_unavailable();

// Call only inside a catch block: the exception being handled as an Error. An Error stays as it is; any
// other exception, std::exception or not, becomes INTERNAL with what can be said about it.
Error current_exception_as_error();

// sharp's wording, as src/errors.ts invalidParameter builds it:
// `Expected integer between 1 and 448 for maxNewTokens but received NaN of type number`.
std::string expected_message(const std::string& expected, const std::string& param, const std::string& received);

}  // namespace ovspeech
