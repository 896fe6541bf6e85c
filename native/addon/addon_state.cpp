#include "addon/addon_state.h"

namespace ovspeech::addon {

void AddonState::set_error_class(Napi::Function error_class) {
    error_class_ = Napi::Persistent(error_class);
}

void AddonState::set_vad_model_class(Napi::Function vad_model_class) {
    vad_model_class_ = Napi::Persistent(vad_model_class);
}

void AddonState::set_whisper_model_class(Napi::Function whisper_model_class) {
    whisper_model_class_ = Napi::Persistent(whisper_model_class);
}

void AddonState::set_speech_model_class(Napi::Function speech_model_class) {
    speech_model_class_ = Napi::Persistent(speech_model_class);
}

Napi::Error AddonState::make_error(Napi::Env env, ErrorCode code, const std::string& message, const std::string& param) const {
    const auto code_name = Napi::String::New(env, error_code_name(code));
    if (error_class_.IsEmpty()) {
        auto error = Napi::Error::New(env, message);
        error.Set("code", code_name);
        if (!param.empty()) error.Set("param", param);
        return error;
    }
    auto options = Napi::Object::New(env);
    if (!param.empty()) options.Set("param", param);
    auto error = error_class_.New({Napi::String::New(env, message), code_name, options});
    return Napi::Error(env, error);
}

AddonState& addon_state(Napi::Env env) {
    return *env.GetInstanceData<AddonState>();
}

uint32_t require_uint32(const Napi::Value& value, const char* name) {
    const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
    if (!(number >= 0 && number <= 4294967295.0 && number == static_cast<double>(static_cast<uint32_t>(number)))) {
        throw addon_state(value.Env())
            .make_error(value.Env(), ErrorCode::InvalidArgument, std::string("Expected unsigned 32-bit integer for ") + name);
    }
    return static_cast<uint32_t>(number);
}

std::string require_string(const Napi::Value& value, const char* name) {
    if (!value.IsString() || value.As<Napi::String>().Utf8Value().empty()) {
        throw addon_state(value.Env())
            .make_error(value.Env(), ErrorCode::InvalidArgument, std::string("Expected non-empty string for ") + name);
    }
    return value.As<Napi::String>().Utf8Value();
}

std::vector<float> require_samples(const Napi::Value& samples) {
    Napi::Env env = samples.Env();
    if (!samples.IsTypedArray() || samples.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        throw addon_state(env).make_error(env, ErrorCode::InvalidArgument, "Expected Float32Array for samples");
    }
    const auto array = samples.As<Napi::Float32Array>();
    return {array.Data(), array.Data() + array.ElementLength()};
}

PcmInput require_pcm(const Napi::Value& samples, const Napi::Value& sample_rate, const Napi::Value& channels) {
    return {require_samples(samples), require_uint32(sample_rate, "sampleRate"), require_uint32(channels, "channels")};
}

}  // namespace ovspeech::addon
