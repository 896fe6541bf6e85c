#pragma once

#include <napi.h>

#include "scheduler/worker_pool.h"
#include "whisper/whisper_model.h"

namespace ovspeech::addon {

class WhisperModelWrap;

// transcribe(samples: Float32Array, sampleRate, channels, options, onEvent?) on `owner`: copies the
// request into a job, queues it on `pool` and returns {promise, cancel}. Events ({type: 'text', delta}
// and {type: 'segment', segment}) and the outcome reach JS in the order they happened.
Napi::Value start_transcription(const Napi::CallbackInfo& info, WhisperModelWrap& owner, WorkerPool<whisper::WhisperSession>& pool);

}  // namespace ovspeech::addon
