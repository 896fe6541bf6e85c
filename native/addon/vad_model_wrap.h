#pragma once

#include <memory>

#include <napi.h>

#include "addon/pooled_model_wrap.h"
#include "vad/silero_vad.h"

namespace ovspeech::addon {

// A voice activity detector and its worker pool, as loaded off the JS thread.
struct LoadedVadModel {
    std::shared_ptr<const vad::SileroVadModel> model;
    std::unique_ptr<WorkerPool<vad::SileroVadModel::Stream>> pool;
};

// The JS `VadModel` object: detectSpeech(samples, sampleRate, channels, options) queues a job and returns
// {promise, cancel}; the promise resolves with {spans: [{start, end}] in seconds, timings}.
class VadModelWrap : public PooledModelWrap<VadModelWrap, vad::SileroVadModel::Stream> {
public:
    static Napi::Function define(Napi::Env env);
    // Takes an External<LoadedVadModel>; JS code gets instances only from loadVadModel().
    explicit VadModelWrap(const Napi::CallbackInfo& info);

private:
    Napi::Value detect_speech(const Napi::CallbackInfo& info);

    std::shared_ptr<const vad::SileroVadModel> model_;
};

// loadVadModel(dir, pool): Promise<VadModel>
Napi::Value load_vad_model(const Napi::CallbackInfo& info);

}  // namespace ovspeech::addon
