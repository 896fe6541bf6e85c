#pragma once

#include <memory>

#include <napi.h>

#include "addon/pooled_model_wrap.h"
#include "vad/live_vad.h"
#include "vad/silero_vad.h"

namespace ovspeech::addon {

// A voice activity detector and its worker pool, as loaded off the JS thread.
struct LoadedVadModel {
    std::shared_ptr<const vad::SileroVadModel> model;
    std::unique_ptr<WorkerPool<vad::SileroVadModel::Stream>> pool;
};

// The JS `VadModel` object: detectSpeech(samples, sampleRate, channels, options) queues a job and returns
// {promise, cancel}; the promise resolves with {spans: [{start, end}] in seconds, timings}. Live streams
// (createLive, pushLive) run on the same workers.
class VadModelWrap : public PooledModelWrap<VadModelWrap, vad::SileroVadModel::Stream> {
public:
    static Napi::Function define(Napi::Env env);
    // Takes an External<LoadedVadModel>; JS code gets instances only from loadVadModel().
    explicit VadModelWrap(const Napi::CallbackInfo& info);

private:
    Napi::Value detect_speech(const Napi::CallbackInfo& info);
    // createLive(sampleRate, options) → a live stream's handle, for pushLive.
    Napi::Value create_live(const Napi::CallbackInfo& info);
    // pushLive(live, samples: Float32Array) → {promise, cancel}; the promise resolves with
    // {events: [{type: "started" | "stopped", at, start}] in samples of the stream's rate, frames,
    // speechFrames}. A stream's pushes must be made one after the other.
    Napi::Value push_live(const Napi::CallbackInfo& info);

    std::shared_ptr<const vad::SileroVadModel> model_;
};

// loadVadModel(dir, pool): Promise<VadModel>
Napi::Value load_vad_model(const Napi::CallbackInfo& info);

}  // namespace ovspeech::addon
