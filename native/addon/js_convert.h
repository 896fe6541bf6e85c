#pragma once

#include <utility>
#include <vector>

#include <napi.h>

#include "common/compile_options.h"
#include "common/compute_summary.h"
#include "common/model_family.h"
#include "common/model_folder.h"
#include "common/runtime.h"
#include "scheduler/worker_pool.h"
#include "tts/synthesizer.h"
#include "vad/speech_segmenter.h"
#include "whisper/transcription.h"

namespace ovspeech::addon {

Napi::Value to_js(Napi::Env env, const ModelFolderInfo& info);
// {family, kind, modelFolder, reason}: family and kind are null when no family recognizes the folder.
Napi::Value to_js(Napi::Env env, const FamilyDetection& detection);
Napi::Value to_js(Napi::Env env, const std::vector<DeviceInfo>& devices);
Napi::Value to_js(Napi::Env env, const whisper::TranscriptionSegment& segment);
// [{token, logprob, bytes}]: token is the bytes as UTF-8, U+FFFD standing for a partial character.
Napi::Value to_js(Napi::Env env, const std::vector<whisper::TokenLogprob>& logprobs);
Napi::Value to_js(Napi::Env env, const whisper::TranscriptionResult& result, double queued_ms, double total_ms);
template <typename Result>
struct Outcome;
Napi::Value to_js(Napi::Env env, const Outcome<whisper::TranscriptionResult>& outcome);
Napi::Value to_js(Napi::Env env, const PoolStats& stats);
// {device, precision, threads, laneThreads}, frozen.
Napi::Value to_js(Napi::Env env, const ComputeSummary& summary);
// Spans of speech as {start, end} in seconds.
Napi::Value to_js(Napi::Env env, const std::vector<vad::SampleSpan>& spans);

// From the objects src/native/AddonTypes.ts describes; wrong types are coded INVALID_ARGUMENT errors.
// Numbers are checked before they are cast: finite, integer where they count, in range (maxNewTokens up to
// the model's `max_length`), else INVALID_ARGUMENT in src/errors.ts invalidParameter's words.
whisper::TranscriptionOptions transcription_options_from_js(const Napi::Value& value, size_t max_length);
CompileOptions compile_options_from_js(const Napi::Value& value);
// A voice activity detector's options (threshold, negThreshold, minSpeechMs, minSilenceMs, speechPadMs,
// maxSpeechMs), each optional.
vad::SegmenterOptions segmenter_options_from_js(const Napi::Value& value);
// synthesize(text, options): the request as SpeechModel.synthesize takes it; familyOptions are checked
// against `model`'s option specs.
tts::SpeechRequest speech_request_from_js(const Napi::Value& text, const Napi::Value& options, const tts::TtsModel& model);
// {workers, maxQueued}: workers between 1 and 64.
std::pair<uint32_t, uint32_t> pool_settings_from_js(const Napi::Value& value);

}  // namespace ovspeech::addon
