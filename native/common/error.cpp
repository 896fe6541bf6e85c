#include "common/error.h"

#include <new>

namespace ovspeech {

const char* error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidArgument:
            return "INVALID_ARGUMENT";
        case ErrorCode::UnsupportedModel:
            return "UNSUPPORTED_MODEL";
        case ErrorCode::ModelNotFound:
            return "MODEL_NOT_FOUND";
        case ErrorCode::Cancelled:
            return "CANCELLED";
        case ErrorCode::Overloaded:
            return "OVERLOADED";
        case ErrorCode::Unavailable:
            return "UNAVAILABLE";
        case ErrorCode::Internal:
            return "INTERNAL";
    }
    return "INTERNAL";
}

Error model_unavailable() {
    return Error(ErrorCode::Unavailable, "the model is being unloaded or is not loaded; retry");
}

Error current_exception_as_error() {
    try {
        throw;
    } catch (const Error& e) {
        return e;
    } catch (const std::bad_alloc&) {
        return Error(ErrorCode::Internal, "out of memory");
    } catch (const std::exception& e) {
        return Error(ErrorCode::Internal, e.what());
    } catch (...) {
        return Error(ErrorCode::Internal, "an unknown exception (not a std::exception) was thrown");
    }
}

std::string expected_message(const std::string& expected, const std::string& param, const std::string& received) {
    return "Expected " + expected + " for " + param + " but received " + received;
}

}  // namespace ovspeech
