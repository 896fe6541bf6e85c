#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include <openvino/runtime/tensor.hpp>

#include "common/cancellation.h"
#include "whisper/logit_rules.h"
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

// One window's tokens, picked step by step from the decoder's logits. It runs no model: the caller feeds
// next_tokens() to the decoder and hands that step's logits to accept(). Keeping the choice of tokens
// apart from inference is what lets a scheduler interleave, or batch, the steps of many windows.
// Greedy at temperature 0 (the first most likely token, as GenAI picks it); otherwise samples from the
// temperature-scaled distribution with `rng`, which must outlive it.
class WindowDecoding {
public:
    WindowDecoding(const WhisperConfig& config, WindowRequest request, std::mt19937_64& rng);

    // The decoder's input for the next step: the prompt first, then the token picked last.
    std::vector<int64_t> next_tokens() const;
    // Applies the logit rules to `row` (changed in place), picks the next token and returns it.
    int64_t accept(LogitRow row);
    // After <|endoftext|> or max_new_tokens.
    bool finished() const;
    const DecodedWindow& decoded() const { return window_; }

private:
    const WhisperConfig& config_;
    WindowRequest request_;
    std::mt19937_64& rng_;
    DecodedWindow window_;
};

// The last position's logits of a decoder step.
LogitRow last_row(ov::Tensor& logits);

// What a window's start tells: the language probe's (<|startoftranscript|> alone, on the first window
// when the language is not given) and the no-speech probability (at <|startoftranscript|> of the
// window's prompt, set by its first step).
struct StartOfTranscript {
    int64_t language_token = -1;
    float language_probability = 0;
    float no_speech_probability = 0;
};
// What the decoder makes of <|startoftranscript|> alone: the most likely language (by raw logit over the
// language tokens, first in name order on a tie, as GenAI) with its probability among languages. Resets
// the decoder.
StartOfTranscript probe_start_of_transcript(DecoderSteps& decoder, const ov::Tensor& encoder_hidden_states, const WhisperConfig& config);
// The probability of <|nospeech|> under the logits at <|startoftranscript|>.
float no_speech_probability(LogitRow at_start, const WhisperConfig& config);

}  // namespace ovspeech::whisper
