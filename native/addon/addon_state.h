#pragma once

#include <string>
#include <vector>

#include <napi.h>

#include "common/error.h"

namespace ovspeech::addon {

// Per-environment state (worker_threads each get their own).
class AddonState {
public:
    void set_error_class(Napi::Function error_class);
    void set_whisper_model_class(Napi::Function whisper_model_class);
    const Napi::FunctionReference& whisper_model_class() const { return whisper_model_class_; }
    void set_speech_model_class(Napi::Function speech_model_class);
    const Napi::FunctionReference& speech_model_class() const { return speech_model_class_; }
    void set_vad_model_class(Napi::Function vad_model_class);
    const Napi::FunctionReference& vad_model_class() const { return vad_model_class_; }
    // An instance of the JS error class registered by the binding loader, with .code (and .param when
    // there is one) set.
    Napi::Error make_error(Napi::Env env, ErrorCode code, const std::string& message, const std::string& param = {}) const;
    Napi::Error make_error(Napi::Env env, const Error& error) const { return make_error(env, error.code(), error.what(), error.param()); }

private:
    Napi::FunctionReference error_class_;
    Napi::FunctionReference whisper_model_class_;
    Napi::FunctionReference speech_model_class_;
    Napi::FunctionReference vad_model_class_;
};

AddonState& addon_state(Napi::Env env);

// Throw a coded INVALID_ARGUMENT error unless `value` has the expected type.
std::string require_string(const Napi::Value& value, const char* name);
uint32_t require_uint32(const Napi::Value& value, const char* name);

// A Float32Array's samples, copied.
std::vector<float> require_samples(const Napi::Value& samples);

// Interleaved samples as JS passes them (Float32Array, sampleRate, channels), copied.
struct PcmInput {
    std::vector<float> samples;
    uint32_t sample_rate = 0;
    uint32_t channels = 0;
};
PcmInput require_pcm(const Napi::Value& samples, const Napi::Value& sample_rate, const Napi::Value& channels);

}  // namespace ovspeech::addon
