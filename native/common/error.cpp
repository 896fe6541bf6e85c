#include "common/error.h"

namespace ovspeech {

const char* error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidArgument: return "INVALID_ARGUMENT";
        case ErrorCode::UnsupportedModel: return "UNSUPPORTED_MODEL";
        case ErrorCode::ModelNotFound: return "MODEL_NOT_FOUND";
        case ErrorCode::Cancelled: return "CANCELLED";
        case ErrorCode::Overloaded: return "OVERLOADED";
        case ErrorCode::Internal: return "INTERNAL";
    }
    return "INTERNAL";
}

}  // namespace ovspeech
