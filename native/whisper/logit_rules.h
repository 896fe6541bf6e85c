#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "whisper/whisper_config.h"

namespace ovspeech::whisper {

// One row of next-token logits, changed in place by the rules below.
struct LogitRow {
    float* data;
    size_t vocab_size;
};

// Sets the logits of `tokens` to -inf (ids outside the vocabulary are ignored).
void suppress_tokens(LogitRow row, const std::vector<int64_t>& tokens);

// Whisper's timestamp rules: no <|notimestamps|>; timestamps come in pairs (except right before
// <|endoftext|>) and never decrease; the first token is a timestamp no later than
// max_initial_timestamp_index; and when the timestamps together are likelier than any single text
// token, a timestamp is forced. `generated` holds the tokens sampled so far in this window.
void apply_timestamp_rules(LogitRow row, const WhisperConfig& config, const std::vector<int64_t>& generated);

// Everything the decoder applies before choosing a token: begin-suppression on the first step, the
// suppress list, and, with timestamps, the timestamp rules.
void apply_logit_rules(LogitRow row, const WhisperConfig& config, bool timestamps, const std::vector<int64_t>& generated);

// log-softmax of a row, in the same float arithmetic as OpenVINO GenAI, so that rule decisions that
// compare log-probabilities come out the same.
std::vector<float> log_softmax(const float* logits, size_t vocab_size);

}  // namespace ovspeech::whisper
