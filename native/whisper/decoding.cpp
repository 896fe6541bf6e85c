#include "whisper/decoding.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "whisper/logit_rules.h"

namespace ovspeech::whisper {
namespace {

LogitRow last_row(ov::Tensor& logits) {
    const size_t vocab_size = logits.get_shape().back();
    return {logits.data<float>() + logits.get_size() - vocab_size, vocab_size};
}

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

DecodedWindow decode_window(WhisperDecoder& decoder, const ov::Tensor& encoder_hidden_states, const WhisperConfig& config,
                            const WindowRequest& request, std::mt19937_64& rng, const CancellationFlag& cancellation,
                            const std::function<void(int64_t token, float logprob)>& on_token) {
    DecodedWindow window;
    cancellation.throw_if_cancelled();
    decoder.start(encoder_hidden_states, request.prompt, 1, {0});
    while (true) {
        ov::Tensor logits = decoder.wait();
        const LogitRow row = last_row(logits);
        apply_logit_rules(row, config, request.timestamps, window.tokens);
        const int64_t token = request.temperature > 0 ? sample(row, request.temperature, rng) : first_most_likely(row);
        const float logprob = log_probability(row, token);
        window.tokens.push_back(token);
        window.logprobs.push_back(logprob);
        window.sum_logprob += logprob;
        if (on_token) on_token(token, logprob);
        if (token == config.eos_token_id || window.tokens.size() >= request.max_new_tokens) break;
        cancellation.throw_if_cancelled();
        decoder.start(encoder_hidden_states, {token}, 1, {0});
    }
    return window;
}

StartOfTranscript probe_start_of_transcript(WhisperDecoder& decoder, const ov::Tensor& encoder_hidden_states,
                                            const WhisperConfig& config) {
    decoder.start(encoder_hidden_states, {config.decoder_start_token_id}, 1, {0});
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
    result.no_speech_probability = std::exp(log_probability(row, config.no_speech_token_id()));
    decoder.reset();
    return result;
}

}  // namespace ovspeech::whisper
