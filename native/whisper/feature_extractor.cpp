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

// The Slaney mel scale: linear below 1 kHz, logarithmic above.
constexpr double kMinLogHertz = 1000.0;
constexpr double kMinLogMel = 15.0;
const double kMelsPerLogHertz = 27.0 / std::log(6.4);

double hertz_to_mel(double hertz) {
    if (hertz >= kMinLogHertz) {
        return kMinLogMel + std::log(hertz / kMinLogHertz) * kMelsPerLogHertz;
    }
    return 3.0 * hertz / 200.0;
}

double mel_to_hertz(double mel) {
    if (mel >= kMinLogMel) {
        return kMinLogHertz * std::exp((mel - kMinLogMel) / kMelsPerLogHertz);
    }
    return 200.0 * mel / 3.0;
}

// numpy.linspace(start, stop, count)[index], endpoint included and exact.
double linspace(double start, double stop, size_t count, size_t index) {
    if (index + 1 == count) {
        return stop;
    }
    return start + static_cast<double>(index) * ((stop - start) / static_cast<double>(count - 1));
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
    : config_(validated(config)), fft_(config_.n_fft), hann_window_(config_.n_fft) {
    // Periodic Hann window, as torch.hann_window and Transformers' window_function use.
    for (size_t j = 0; j < config_.n_fft; ++j) {
        hann_window_[j] = 0.5 - 0.5 * std::cos(2.0 * kPi * static_cast<double>(j) / static_cast<double>(config_.n_fft));
    }

    // Transformers' mel_filter_bank(norm="slaney", mel_scale="slaney"): triangles between mel-spaced
    // corner frequencies, each scaled by 2 / its width in Hz so every filter has the same area.
    const size_t bins = fft_.bins();
    const size_t filters = config_.feature_size;
    const double mel_max = hertz_to_mel(kMelMaxFrequency);
    std::vector<double> corners(filters + 2);
    for (size_t i = 0; i < corners.size(); ++i) {
        corners[i] = mel_to_hertz(linspace(0.0, mel_max, corners.size(), i));
    }
    // Transformers spaces the bins up to sampling_rate // 2: integer division, kept for odd rates.
    const double nyquist = static_cast<double>(config_.sampling_rate / 2);
    mel_filters_.resize(filters);
    for (size_t m = 0; m < filters; ++m) {
        const double lower = corners[m];
        const double center = corners[m + 1];
        const double upper = corners[m + 2];
        const double area_norm = 2.0 / (upper - lower);
        MelFilter& filter = mel_filters_[m];
        for (size_t bin = 0; bin < bins; ++bin) {
            const double frequency = linspace(0.0, nyquist, bins, bin);
            const double rising = (frequency - lower) / (center - lower);
            const double falling = (upper - frequency) / (upper - center);
            const double weight = std::max(0.0, std::min(rising, falling));
            if (weight > 0.0) {
                if (filter.weights.empty()) {
                    filter.first_bin = bin;
                }
                filter.weights.resize(bin - filter.first_bin + 1, 0.0);
                filter.weights.back() = weight * area_norm;
            }
        }
    }
}

void WhisperFeatureExtractor::log_mel_frame(const double* windowed, std::vector<std::complex<double>>& spectrum,
                                            std::vector<std::complex<double>>& scratch, std::vector<double>& log_mel) const {
    fft_.forward(windowed, spectrum.data(), scratch);
    for (size_t m = 0; m < mel_filters_.size(); ++m) {
        const MelFilter& filter = mel_filters_[m];
        double energy = 0.0;
        for (size_t k = 0; k < filter.weights.size(); ++k) {
            energy += filter.weights[k] * std::norm(spectrum[filter.first_bin + k]);
        }
        log_mel[m] = std::log10(std::max(energy, kPowerFloor));
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

    std::vector<double> windowed(n_fft);
    std::vector<std::complex<double>> spectrum(fft_.bins());
    std::vector<std::complex<double>> scratch;
    std::vector<double> log_mel(features.feature_size);
    // Frames that start past the audio see only zeros and keep the floor value.
    for (size_t frame = 0; frame < features.n_frames && frame * hop < audio_end; ++frame) {
        const float* frame_start = padded.data() + frame * hop;
        for (size_t j = 0; j < n_fft; ++j) {
            windowed[j] = hann_window_[j] * static_cast<double>(frame_start[j]);
        }
        log_mel_frame(windowed.data(), spectrum, scratch, log_mel);
        for (size_t m = 0; m < features.feature_size; ++m) {
            features.data[m * features.n_frames + frame] = static_cast<float>(log_mel[m]);
        }
    }

    const double loudest = *std::max_element(features.data.begin(), features.data.end());
    const double lowest = loudest - kDynamicRange;
    for (float& value : features.data) {
        value = static_cast<float>((std::max(static_cast<double>(value), lowest) + 4.0) / 4.0);
    }
    return features;
}

}  // namespace ovspeech::whisper
