#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include <openvino/runtime/tensor.hpp>

#include "common/cancellation.h"
#include "whisper/whisper_config.h"
#include "whisper/whisper_decoder.h"

namespace ovspeech::whisper {

struct WindowRequest {
    std::vector<int64_t> prompt;  // <|startofprev|> context, <|startoftranscript|>, language, task, ...
    bool timestamps = false;
    size_t max_new_tokens = 0;
    float temperature = 0;
};

struct DecodedWindow {
    std::vector<int64_t> tokens;  // generated, <|endoftext|> included when it ended the window
    std::vector<float> logprobs;  // of each token under the rules, at temperature 1
    float sum_logprob = 0;
};

// Decodes one 30 s window, token by token, checking for cancellation before every step. Greedy at
// temperature 0 (the first most likely token, as GenAI picks it); otherwise samples from the
// temperature-scaled distribution with `rng`. Leaves the decoder's caches for the caller to reset.
DecodedWindow decode_window(WhisperDecoder& decoder, const ov::Tensor& encoder_hidden_states, const WhisperConfig& config,
                            const WindowRequest& request, std::mt19937_64& rng, const CancellationFlag& cancellation,
                            const std::function<void(int64_t token, float logprob)>& on_token);

// What the decoder makes of <|startoftranscript|> alone: the most likely language (by raw logit over the
// language tokens, first in name order on a tie, as GenAI) with its probability among languages, and
// the probability of <|nospeech|>. Resets the decoder.
struct StartOfTranscript {
    int64_t language_token = -1;
    float language_probability = 0;
    float no_speech_probability = 0;
};
StartOfTranscript probe_start_of_transcript(WhisperDecoder& decoder, const ov::Tensor& encoder_hidden_states,
                                            const WhisperConfig& config);

}  // namespace ovspeech::whisper
