#pragma once

#include <stdexcept>
#include <string>

namespace ovspeech {

// The one error vocabulary shared by every layer; the HTTP layer maps each code to a status.
enum class ErrorCode { InvalidArgument, UnsupportedModel, ModelNotFound, Cancelled, Overloaded, Internal };

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
    ErrorCode code() const { return code_; }

private:
    ErrorCode code_;
};

}  // namespace ovspeech
