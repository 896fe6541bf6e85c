#include "whisper/feature_extractor.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "common/error.h"

namespace ovspeech::whisper {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Power below this is taken as this before log10: -10 in the log domain.
constexpr double kPowerFloor = 1e-10;
// Whisper keeps 8 decades (80 dB) below the loudest mel value.
constexpr double kDynamicRange = 8.0;
// Whisper's mel filters span 0 to 8 kHz whatever the sampling rate.
constexpr double kMelMaxFrequency = 8000.0;

size_t read_size(const nlohmann::json& json, const char* key, size_t fallback) {
    const auto it = json.find(key);
    if (it == json.end() || it->is_null()) {
        return fallback;
    }
    const bool non_negative_integer = it->is_number_unsigned() || (it->is_number_integer() && it->get<int64_t>() >= 0);
    if (!non_negative_integer) {
        throw Error(ErrorCode::UnsupportedModel,
                    std::string("preprocessor_config.json: \"") + key + "\" must be a non-negative integer, got " + it->dump());
    }
    return it->get<size_t>();
}

const FeatureExtractorConfig& validated(const FeatureExtractorConfig& config) {
    const auto fail = [](const std::string& message) { throw Error(ErrorCode::UnsupportedModel, "Whisper feature extractor: " + message); };
    if (config.feature_size == 0) {
        fail("feature_size must be at least 1, got 0");
    }
    if (config.n_fft < 2) {
        fail("n_fft must be at least 2, got " + std::to_string(config.n_fft));
    }
    if (config.hop_length == 0) {
        fail("hop_length must be at least 1, got 0");
    }
    if (config.nb_max_frames == 0) {
        fail("nb_max_frames must be at least 1, got 0");
    }
    if (static_cast<double>(config.sampling_rate) < 2.0 * kMelMaxFrequency) {
        fail("sampling_rate must be at least 16000 Hz for mel filters up to 8 kHz, got " + std::to_string(config.sampling_rate));
    }
    return config;
}

// The Slaney mel scale (linear below 1 kHz, logarithmic above) in float, with log and exp taken in
// double, as GenAI computes its filter bank.
constexpr float kMinLogHertz = 1000.0f;
constexpr float kMinLogMel = 15.0f;
const float kMelsPerLogHertz = static_cast<float>(27.0 / std::log(6.4));
const float kLogHertzPerMel = static_cast<float>(std::log(6.4) / 27.0);

float hertz_to_mel(float hertz) {
    if (hertz >= kMinLogHertz) {
        return static_cast<float>(kMinLogMel + std::log(static_cast<double>(hertz / kMinLogHertz)) * kMelsPerLogHertz);
    }
    return static_cast<float>(3.0 * hertz / 200.0);
}

float mel_to_hertz(float mel) {
    if (mel >= kMinLogMel) {
        return static_cast<float>(kMinLogHertz * std::exp(static_cast<double>(kLogHertzPerMel * (mel - kMinLogMel))));
    }
    return static_cast<float>(200.0 * mel / 3.0);
}

}  // namespace

FeatureExtractorConfig FeatureExtractorConfig::from_json(const nlohmann::json& json) {
    if (!json.is_object()) {
        throw Error(ErrorCode::UnsupportedModel, "preprocessor_config.json must hold a JSON object, got " + std::string(json.type_name()));
    }
    FeatureExtractorConfig config;
    config.feature_size = read_size(json, "feature_size", config.feature_size);
    config.sampling_rate = read_size(json, "sampling_rate", config.sampling_rate);
    config.hop_length = read_size(json, "hop_length", config.hop_length);
    config.n_fft = read_size(json, "n_fft", config.n_fft);
    config.chunk_length = read_size(json, "chunk_length", config.chunk_length);
    config.n_samples = read_size(json, "n_samples", config.n_samples);
    config.nb_max_frames = read_size(json, "nb_max_frames", config.nb_max_frames);
    return config;
}

std::vector<float> WhisperFeatures::window(size_t offset, size_t frames) const {
    if (offset >= n_frames) {
        throw Error(ErrorCode::InvalidArgument, "feature window offset " + std::to_string(offset) + " is past the last frame (" +
                                                    std::to_string(n_frames) + " frames)");
    }
    const size_t copied = std::min(n_frames - offset, frames);
    std::vector<float> result(feature_size * frames, 0.0f);
    for (size_t bin = 0; bin < feature_size; ++bin) {
        const auto row = data.begin() + static_cast<std::ptrdiff_t>(bin * n_frames + offset);
        std::copy(row, row + static_cast<std::ptrdiff_t>(copied), result.begin() + static_cast<std::ptrdiff_t>(bin * frames));
    }
    return result;
}

WhisperFeatureExtractor::WhisperFeatureExtractor(FeatureExtractorConfig config)
    : config_(validated(config)), power_spectrum_(config_.n_fft), hann_window_(config_.n_fft) {
    // Periodic Hann window, as torch.hann_window: the cosine in float of an angle computed in double.
    for (size_t j = 0; j < config_.n_fft; ++j) {
        const auto angle = static_cast<float>(2.0 * kPi * static_cast<double>(j) / static_cast<double>(config_.n_fft));
        hann_window_[j] = static_cast<float>(0.5 * (1.0 - std::cos(angle)));
    }

    // Transformers' mel_filter_bank(norm="slaney", mel_scale="slaney") in float as GenAI computes it:
    // triangles between mel-spaced corner frequencies, each scaled by 2 / its width in Hz so that every
    // filter has the same area.
    const size_t bins = power_spectrum_.bins();
    const size_t filters = config_.feature_size;
    const float mel_min = hertz_to_mel(0.0f);
    const float mel_step = (hertz_to_mel(static_cast<float>(kMelMaxFrequency)) - mel_min) / static_cast<float>(filters + 1);
    std::vector<float> corners(filters + 2);
    for (size_t i = 0; i < corners.size(); ++i) {
        corners[i] = mel_to_hertz(mel_min + static_cast<float>(i) * mel_step);
    }
    // The bins are spaced up to sampling_rate // 2: integer division, kept for odd rates.
    const float bin_step = static_cast<float>(config_.sampling_rate / 2) / static_cast<float>(bins - 1);
    mel_filters_.resize(filters);
    for (size_t m = 0; m < filters; ++m) {
        const float rising_width = corners[m + 1] - corners[m];
        const float falling_width = corners[m + 2] - corners[m + 1];
        const float area_norm = 2.0f / (corners[m + 2] - corners[m]);
        MelFilter& filter = mel_filters_[m];
        filter.weights.resize(bins);
        for (size_t bin = 0; bin < bins; ++bin) {
            const float frequency = static_cast<float>(bin) * bin_step;
            const float rising = -(corners[m] - frequency) / rising_width;
            const float falling = (corners[m + 2] - frequency) / falling_width;
            filter.weights[bin] = std::max(0.0f, std::min(rising, falling)) * area_norm;
            if (filter.weights[bin] != 0.0f) {
                if (filter.end == 0) filter.begin = bin;
                filter.end = bin + 1;
            }
        }
    }
}

void WhisperFeatureExtractor::log_mel_frame(const float* windowed, PowerSpectrum::Scratch& scratch, std::vector<float>& power,
                                            std::vector<float>& log_mel) const {
    power_spectrum_.compute(windowed, power.data(), scratch);
    const size_t bins = power_spectrum_.bins();
    // GenAI sums each filter's products four bins at a time in float, from bin 0, and adds each group of
    // four, then each bin past the last whole group, to a double. Groups outside the filter's non-zero
    // weights add exactly 0 (the power of finite samples is finite), so they are skipped.
    const size_t grouped_end = bins / 4 * 4;
    for (size_t m = 0; m < mel_filters_.size(); ++m) {
        const MelFilter& filter = mel_filters_[m];
        const float* w = filter.weights.data();
        const float* p = power.data();
        double energy = 0.0;
        size_t k = filter.begin / 4 * 4;
        for (; k < grouped_end && k < filter.end; k += 4) {
            const float group = p[k] * w[k] + p[k + 1] * w[k + 1] + p[k + 2] * w[k + 2] + p[k + 3] * w[k + 3];
            energy += group;
        }
        for (k = std::max(k, grouped_end); k < filter.end; ++k) {
            energy += p[k] * w[k];
        }
        log_mel[m] = static_cast<float>(std::log10(std::max(energy, kPowerFloor)));
    }
}

WhisperFeatures WhisperFeatureExtractor::extract(const std::vector<float>& samples_16k) const {
    const size_t n_fft = config_.n_fft;
    const size_t hop = config_.hop_length;
    const size_t edge = n_fft / 2;  // reflected samples before the start (centered frames)
    if (samples_16k.size() < minimum_samples()) {
        throw Error(ErrorCode::InvalidArgument, "audio is too short for Whisper features: it needs more than " + std::to_string(edge) +
                                                    " samples, got " + std::to_string(samples_16k.size()));
    }

    // GenAI's layout: the audio reflected at its start, zero-padded to n_samples, then n_fft / 2 more
    // samples. Everything after the audio is zero, also when the audio is longer than n_samples, where
    // Transformers would reflect the audio's end instead.
    const size_t padded_length = std::max(samples_16k.size(), config_.n_samples) + 2 * edge;
    const size_t audio_end = edge + samples_16k.size();
    std::vector<float> padded(padded_length, 0.0f);
    for (size_t j = 0; j < edge; ++j) {
        padded[j] = samples_16k[edge - j];
    }
    std::copy(samples_16k.begin(), samples_16k.end(), padded.begin() + static_cast<std::ptrdiff_t>(edge));

    WhisperFeatures features;
    features.feature_size = config_.feature_size;
    // The centered STFT's last frame is dropped, as torch.stft(...)[..., :-1] in Whisper.
    features.n_frames = (padded_length - n_fft) / hop;
    features.n_active_frames = samples_16k.size() / hop;
    features.data.assign(features.feature_size * features.n_frames, static_cast<float>(std::log10(kPowerFloor)));

    std::vector<float> windowed(n_fft);
    PowerSpectrum::Scratch scratch;
    std::vector<float> power(power_spectrum_.bins());
    std::vector<float> log_mel(features.feature_size);
    // Frames that start past the audio see only zeros and keep the floor value.
    for (size_t frame = 0; frame < features.n_frames && frame * hop < audio_end; ++frame) {
        const float* frame_start = padded.data() + frame * hop;
        for (size_t j = 0; j < n_fft; ++j) {
            windowed[j] = hann_window_[j] * frame_start[j];
        }
        log_mel_frame(windowed.data(), scratch, power, log_mel);
        for (size_t m = 0; m < features.feature_size; ++m) {
            features.data[m * features.n_frames + frame] = log_mel[m];
        }
    }

    // The floor is rounded to float before the scaling, as GenAI stores it.
    const double loudest = *std::max_element(features.data.begin(), features.data.end());
    const double lowest = loudest - kDynamicRange;
    for (float& value : features.data) {
        if (value < lowest) value = static_cast<float>(lowest);
        value = static_cast<float>((value + 4.0) / 4.0);
    }
    return features;
}

}  // namespace ovspeech::whisper
