#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/cancellation.h"
#include "whisper/transcription.h"
#include "whisper/whisper_model.h"

namespace ovspeech::whisper {

// One request's transcription or translation of 16 kHz mono audio of any length, as resumable steps:
// 30 s windows, the next one starting where the last closed segment ended (long-form seeking), the
// language detected on the first window unless given. Each step() is a bounded piece of work on the
// session: a window's encoder pass and language probe, or one decoder step. Results equal OpenVINO
// GenAI's WhisperPipeline for the same options (greedy, no fallback).
//
// The session's decoder keeps this transcription's caches between steps, so until it is done no other
// work may run on that session.
class Transcription {
public:
    // Validates the options and computes the features. Throws Error(INVALID_ARGUMENT) for bad options.
    Transcription(WhisperSession& session, const std::vector<float>& samples_16k, const TranscriptionOptions& options,
                  TranscriptionEvents events);
    ~Transcription();
    Transcription(const Transcription&) = delete;
    Transcription& operator=(const Transcription&) = delete;

    // Does the next step; false once there is none left.
    bool step();
    // The result, once step() has returned false.
    TranscriptionResult finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

// Runs a Transcription to its end, checking `cancellation` before every step. Throws Error:
// INVALID_ARGUMENT for bad options, CANCELLED when `cancellation` is set.
TranscriptionResult transcribe(WhisperSession& session, const std::vector<float>& samples_16k, const TranscriptionOptions& options,
                               const CancellationFlag& cancellation, const TranscriptionEvents& events = {});

// The language token of a code given as "en" or "<|en|>"; throws INVALID_ARGUMENT for a code the model
// does not know.
int64_t language_token(const WhisperConfig& config, const std::string& language);

// zlib's compression ratio of the text's UTF-8 bytes, as OpenAI Whisper measures repetitiveness.
float compression_ratio(const std::string& text);

}  // namespace ovspeech::whisper
