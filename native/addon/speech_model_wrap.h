#pragma once

#include <memory>

#include <napi.h>

#include "addon/pooled_model_wrap.h"
#include "tts/tts_model.h"
#include "tts/voices.h"

namespace ovspeech::addon {

// A compiled text-to-speech model, its voices and its worker pool, as loaded off the JS thread.
struct LoadedSpeechModel {
    std::shared_ptr<const tts::TtsModel> model;
    std::shared_ptr<const tts::VoiceLibrary> voices;
    std::unique_ptr<WorkerPool<tts::TtsSession>> pool;
};

// The JS `SpeechModel` object: synthesize(text, options, onChunk?) queues a job and returns
// {promise, cancel}; each finished sentence reaches onChunk as a Float32Array at sampleRate.
class SpeechModelWrap : public PooledModelWrap<SpeechModelWrap, tts::TtsSession> {
public:
    static Napi::Function define(Napi::Env env);
    // Takes an External<LoadedSpeechModel>; JS code gets instances only from loadSpeechModel().
    explicit SpeechModelWrap(const Napi::CallbackInfo& info);

private:
    Napi::Value synthesize(const Napi::CallbackInfo& info);
    Napi::Value voices(const Napi::CallbackInfo& info);
    Napi::Value has_voice(const Napi::CallbackInfo& info);
    Napi::Value check_voice(const Napi::CallbackInfo& info);

    std::shared_ptr<const tts::TtsModel> model_;
    std::shared_ptr<const tts::VoiceLibrary> voices_;
};

// loadSpeechModel(dir, compile, pool, voices: {extraDir?, aliases?}): Promise<SpeechModel>
Napi::Value load_speech_model(const Napi::CallbackInfo& info);

}  // namespace ovspeech::addon
