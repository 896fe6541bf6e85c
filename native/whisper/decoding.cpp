#include "whisper/decoding.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ovspeech::whisper {
namespace {

int64_t first_most_likely(LogitRow row) {
    return std::max_element(row.data, row.data + row.vocab_size) - row.data;
}

int64_t sample(LogitRow row, float temperature, std::mt19937_64& rng) {
    const float max_logit = *std::max_element(row.data, row.data + row.vocab_size);
    std::vector<double> weights(row.vocab_size);
    for (size_t i = 0; i < row.vocab_size; ++i) weights[i] = std::exp((static_cast<double>(row.data[i]) - max_logit) / temperature);
    std::discrete_distribution<int64_t> distribution(weights.begin(), weights.end());
    return distribution(rng);
}

float log_probability(LogitRow row, int64_t token) {
    const float max_logit = *std::max_element(row.data, row.data + row.vocab_size);
    double sum = 0;
    for (size_t i = 0; i < row.vocab_size; ++i) sum += std::exp(static_cast<double>(row.data[i]) - max_logit);
    return static_cast<float>(row.data[token] - max_logit - std::log(sum));
}

}  // namespace

LogitRow last_row(ov::Tensor& logits) {
    const size_t vocab_size = logits.get_shape().back();
    return {logits.data<float>() + logits.get_size() - vocab_size, vocab_size};
}

WindowDecoding::WindowDecoding(const WhisperConfig& config, WindowRequest request, std::mt19937_64& rng)
    : config_(config), request_(std::move(request)), rng_(rng) {}

std::vector<int64_t> WindowDecoding::next_tokens() const {
    return window_.tokens.empty() ? request_.prompt : std::vector<int64_t>{window_.tokens.back()};
}

int64_t WindowDecoding::accept(LogitRow row) {
    apply_logit_rules(row, config_, request_.timestamps, window_.tokens);
    const int64_t token = request_.temperature > 0 ? sample(row, request_.temperature, rng_) : first_most_likely(row);
    const float logprob = log_probability(row, token);
    window_.tokens.push_back(token);
    window_.logprobs.push_back(logprob);
    window_.sum_logprob += logprob;
    return token;
}

bool WindowDecoding::finished() const {
    return !window_.tokens.empty() && (window_.tokens.back() == config_.eos_token_id || window_.tokens.size() >= request_.max_new_tokens);
}

float no_speech_probability(LogitRow at_start, const WhisperConfig& config) {
    return std::exp(log_probability(at_start, config.no_speech_token_id()));
}

StartOfTranscript probe_start_of_transcript(DecoderSteps& decoder, const ov::Tensor& encoder_hidden_states, const WhisperConfig& config) {
    decoder.start(encoder_hidden_states, {config.decoder_start_token_id});
    ov::Tensor logits = decoder.wait();
    const LogitRow row = last_row(logits);

    StartOfTranscript result;
    float best = -std::numeric_limits<float>::infinity();
    for (const auto& [name, token] : config.lang_to_id) {
        if (row.data[token] > best) {
            best = row.data[token];
            result.language_token = token;
        }
    }
    if (result.language_token >= 0) {
        double sum = 0;
        for (const auto& [name, token] : config.lang_to_id) sum += std::exp(static_cast<double>(row.data[token]) - best);
        result.language_probability = static_cast<float>(1.0 / sum);
    }
    decoder.reset();
    return result;
}

}  // namespace ovspeech::whisper
