#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace ovspeech {

// The one error vocabulary shared by every layer; the HTTP layer maps each code to a status.
enum class ErrorCode { InvalidArgument, UnsupportedModel, ModelNotFound, Cancelled, Overloaded, Internal };

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
public:
    // `param`: the request parameter at fault, when there is one (OpenAI's error `param`).
    Error(ErrorCode code, const std::string& message, std::string param = {})
        : std::runtime_error(message), code_(code), param_(std::move(param)) {}
    ErrorCode code() const { return code_; }
    const std::string& param() const { return param_; }

private:
    ErrorCode code_;
    std::string param_;
};

}  // namespace ovspeech
