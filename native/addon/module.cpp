// Module init: the addon's exports. Everything that does work returns a Promise.
#include <napi.h>

#include "addon/addon_state.h"
#include "addon/model_queries.h"
#include "addon/sentence_ends.h"
#include "addon/speech_model_wrap.h"
#include "addon/vad_model_wrap.h"
#include "addon/whisper_model_wrap.h"
#include "common/runtime.h"
#include "tts/synthesizer.h"
#include "tts/time_stretch.h"

namespace {

namespace addon = ovspeech::addon;

// setErrorClass(OvSpeechError): the binding loader hands over the JS class (message, code) that every
// native error is created as.
Napi::Value set_error_class(const Napi::CallbackInfo& info) {
    if (!info[0].IsFunction()) {
        throw Napi::TypeError::New(info.Env(), "Expected function for errorClass");
    }
    addon::addon_state(info.Env()).set_error_class(info[0].As<Napi::Function>());
    return info.Env().Undefined();
}

Napi::Object InitOvSpeech(Napi::Env env, Napi::Object exports) {
    auto* state = new addon::AddonState();
    env.SetInstanceData(state);
    state->set_whisper_model_class(addon::WhisperModelWrap::define(env));
    state->set_speech_model_class(addon::SpeechModelWrap::define(env));
    state->set_vad_model_class(addon::VadModelWrap::define(env));
    exports.Set("openvinoVersion", Napi::String::New(env, ovspeech::openvino_version()));
    auto speech_limits = Napi::Object::New(env);
    speech_limits.Set("maxInputCharacters", static_cast<double>(ovspeech::tts::kMaxInputCharacters));
    speech_limits.Set("minSpeed", ovspeech::tts::kMinSpeed);
    speech_limits.Set("maxSpeed", ovspeech::tts::kMaxSpeed);
    speech_limits.Freeze();
    exports.Set("speechLimits", speech_limits);
    exports.Set("setErrorClass", Napi::Function::New(env, set_error_class, "setErrorClass"));
    exports.Set("availableDevices", Napi::Function::New(env, addon::available_devices, "availableDevices"));
    exports.Set("detectFamily", Napi::Function::New(env, addon::detect_family, "detectFamily"));
    exports.Set("inspectModel", Napi::Function::New(env, addon::inspect_model, "inspectModel"));
    exports.Set("nextSentenceEnd", Napi::Function::New(env, addon::next_sentence_end, "nextSentenceEnd"));
    exports.Set("loadWhisperModel", Napi::Function::New(env, addon::load_whisper_model, "loadWhisperModel"));
    exports.Set("loadSpeechModel", Napi::Function::New(env, addon::load_speech_model, "loadSpeechModel"));
    exports.Set("loadVadModel", Napi::Function::New(env, addon::load_vad_model, "loadVadModel"));
    return exports;
}

}  // namespace

NODE_API_MODULE(ovspeech, InitOvSpeech)
