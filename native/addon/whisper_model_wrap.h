#pragma once

#include <memory>

#include <napi.h>

#include "addon/pooled_model_wrap.h"
#include "whisper/whisper_model.h"

namespace ovspeech::addon {

// A compiled Whisper model with its worker pool, as loaded off the JS thread.
struct LoadedWhisperModel {
    std::shared_ptr<const whisper::WhisperModel> model;
    std::unique_ptr<WorkerPool<whisper::WhisperSession>> pool;
};

// The JS `WhisperModel` object: transcribe(samples, sampleRate, channels, options, onEvent?) queues a
// job and returns {promise, cancel}; events are {type: 'text', delta} and {type: 'segment', segment}.
// minimumAudio: {samples, sampleRate}, the shortest audio its feature extractor takes.
class WhisperModelWrap : public PooledModelWrap<WhisperModelWrap, whisper::WhisperSession> {
public:
    static Napi::Function define(Napi::Env env);
    // Takes an External<LoadedWhisperModel>; JS code gets instances only from loadWhisperModel().
    explicit WhisperModelWrap(const Napi::CallbackInfo& info);

private:
    Napi::Value transcribe(const Napi::CallbackInfo& info);

    std::shared_ptr<const whisper::WhisperModel> model_;
};

// loadWhisperModel(dir, compile, {workers, maxQueued}): Promise<WhisperModel>
Napi::Value load_whisper_model(const Napi::CallbackInfo& info);

}  // namespace ovspeech::addon
