#include "whisper/logit_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace ovspeech::whisper {
namespace {

constexpr float kMinusInfinity = -std::numeric_limits<float>::infinity();

void mask_range(LogitRow row, size_t begin, size_t end) {
    std::fill(row.data + std::min(begin, row.vocab_size), row.data + std::min(end, row.vocab_size), kMinusInfinity);
}

}  // namespace

void suppress_tokens(LogitRow row, const std::vector<int64_t>& tokens) {
    for (const int64_t token : tokens) {
        if (token >= 0 && static_cast<size_t>(token) < row.vocab_size) row.data[token] = kMinusInfinity;
    }
}

std::vector<float> log_softmax(const float* logits, size_t vocab_size) {
    const float max_logit = *std::max_element(logits, logits + vocab_size);
    const float log_sum = std::log(std::accumulate(logits, logits + vocab_size, 0.0f,
                                                   [max_logit](float sum, float logit) { return sum + std::exp(logit - max_logit); }));
    std::vector<float> result(vocab_size);
    for (size_t i = 0; i < vocab_size; ++i) result[i] = logits[i] - max_logit - log_sum;
    return result;
}

void apply_timestamp_rules(LogitRow row, const WhisperConfig& config, const std::vector<int64_t>& generated) {
    const auto timestamp_begin = static_cast<size_t>(config.timestamp_begin());
    const bool initial_step = generated.empty();
    const auto is_timestamp = [&](int64_t token) { return token >= config.timestamp_begin(); };

    row.data[config.no_timestamps_token_id] = kMinusInfinity;

    const size_t length = generated.size();
    const bool last_was_timestamp = length >= 1 && is_timestamp(generated[length - 1]);
    const bool penultimate_was_timestamp = length < 2 || is_timestamp(generated[length - 2]);
    if (last_was_timestamp) {
        if (penultimate_was_timestamp) {
            mask_range(row, timestamp_begin, row.vocab_size);  // a pair just closed: text must follow
        } else {
            mask_range(row, 0, static_cast<size_t>(config.eos_token_id));  // close the pair or end
        }
    }

    const auto last_timestamp = std::find_if(generated.rbegin(), generated.rend(), is_timestamp);
    if (last_timestamp != generated.rend()) {
        // Timestamps never go back; an opened pair may close on the same time, otherwise time moves on.
        const bool closing_pair = last_was_timestamp && !penultimate_was_timestamp;
        const auto first_allowed = static_cast<size_t>(*last_timestamp) + (closing_pair ? 0 : 1);
        mask_range(row, timestamp_begin, first_allowed);
    }

    if (initial_step) {
        mask_range(row, 0, timestamp_begin);
        mask_range(row, timestamp_begin + config.max_initial_timestamp_index + 1, row.vocab_size);
    }

    const std::vector<float> log_probs = log_softmax(row.data, row.vocab_size);
    float timestamp_probability = 0;
    for (size_t i = timestamp_begin; i < row.vocab_size; ++i) timestamp_probability += std::exp(log_probs[i]);
    const float max_text_log_prob = *std::max_element(log_probs.begin(), log_probs.begin() + timestamp_begin);
    if (std::log(timestamp_probability) > max_text_log_prob) mask_range(row, 0, timestamp_begin);
}

void apply_logit_rules(LogitRow row, const WhisperConfig& config, bool timestamps, const std::vector<int64_t>& generated) {
    if (generated.empty()) suppress_tokens(row, config.begin_suppress_tokens);
    suppress_tokens(row, config.suppress_tokens);
    if (timestamps) apply_timestamp_rules(row, config, generated);
}

}  // namespace ovspeech::whisper
