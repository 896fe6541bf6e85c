#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/cancellation.h"
#include "whisper/transcription.h"
#include "whisper/whisper_model.h"

namespace ovspeech::whisper {

// Transcribes or translates 16 kHz mono audio of any length: 30 s windows, the next one starting where
// the last closed segment ended (long-form seeking), language detected on the first window unless given.
// Results equal OpenVINO GenAI's WhisperPipeline for the same options (greedy, no fallback). Throws
// Error: INVALID_ARGUMENT for bad options, CANCELLED when `cancellation` is set.
TranscriptionResult transcribe(WhisperSession& session, const std::vector<float>& samples_16k, const TranscriptionOptions& options,
                               const CancellationFlag& cancellation, const TranscriptionEvents& events = {});

// The language token of a code given as "en" or "<|en|>"; throws INVALID_ARGUMENT for a code the model
// does not know.
int64_t language_token(const WhisperConfig& config, const std::string& language);

// zlib's compression ratio of the text's UTF-8 bytes, as OpenAI Whisper measures repetitiveness.
float compression_ratio(const std::string& text);

}  // namespace ovspeech::whisper
