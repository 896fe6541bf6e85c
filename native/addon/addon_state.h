#pragma once

#include <string>

#include <napi.h>

#include "common/error.h"

namespace ovspeech::addon {

// Per-environment state (worker_threads each get their own).
class AddonState {
public:
    void set_error_class(Napi::Function error_class);
    // An instance of the JS error class registered by the binding loader, with .code set.
    Napi::Error make_error(Napi::Env env, ErrorCode code, const std::string& message) const;

private:
    Napi::FunctionReference error_class_;
};

AddonState& addon_state(Napi::Env env);

// Throws a coded INVALID_ARGUMENT error unless `value` is a non-empty string.
std::string require_string(const Napi::Value& value, const char* name);

}  // namespace ovspeech::addon
