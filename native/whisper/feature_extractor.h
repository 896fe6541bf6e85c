#pragma once

#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "whisper/power_spectrum.h"

namespace ovspeech::whisper {

// The feature extractor's settings, from a model folder's preprocessor_config.json.
struct FeatureExtractorConfig {
    size_t feature_size = 80;  // mel bins
    size_t sampling_rate = 16000;
    size_t hop_length = 160;
    size_t n_fft = 400;
    size_t chunk_length = 30;     // seconds in one window
    size_t n_samples = 480000;    // audio is zero-padded to at least this many samples
    size_t nb_max_frames = 3000;  // frames in one encoder window

    // Keys that are missing or null keep their defaults, as in OpenVINO GenAI; a value that is not a
    // non-negative integer is an UnsupportedModel error.
    static FeatureExtractorConfig from_json(const nlohmann::json& json);
};

// Log-mel features of one audio clip.
struct WhisperFeatures {
    size_t feature_size = 0;     // mel bins
    size_t n_frames = 0;         // frames in `data`
    size_t n_active_frames = 0;  // frames that hold real audio
    std::vector<float> data;     // [feature_size][n_frames], row-major

    // The encoder input for the window that starts at frame `offset`: [feature_size][frames], where frames
    // past the end of `data` are 0.0, as GenAI pads them. `offset` must be below n_frames.
    std::vector<float> window(size_t offset, size_t frames) const;
};

// Whisper's log-mel spectrogram, bit for bit as OpenVINO GenAI's WhisperFeatureExtractor computes it: the
// same float arithmetic in the same order (see power_spectrum.h for why). For audio up to chunk_length
// seconds that is Hugging Face Transformers' WhisperFeatureExtractor (float64) within about 1e-4.
// Immutable after construction: one extractor serves any number of threads.
class WhisperFeatureExtractor {
public:
    // Precomputes the mel filter bank and the Hann window; an unusable config is an UnsupportedModel error.
    explicit WhisperFeatureExtractor(FeatureExtractorConfig config);

    const FeatureExtractorConfig& config() const { return config_; }

    // The fewest samples at config().sampling_rate that extract() takes: more than n_fft / 2, the samples
    // reflected before the first centered frame.
    size_t minimum_samples() const { return config_.n_fft / 2 + 1; }

    // `samples_16k` is mono audio at config().sampling_rate, at least minimum_samples() of it.
    WhisperFeatures extract(const std::vector<float>& samples_16k) const;

private:
    // One triangular mel filter: its weights for every FFT bin, of which [begin, end) are non-zero.
    struct MelFilter {
        std::vector<float> weights;
        size_t begin = 0;
        size_t end = 0;
    };

    // The log10 mel energies of one windowed frame.
    void log_mel_frame(const float* windowed, PowerSpectrum::Scratch& scratch, std::vector<float>& power,
                       std::vector<float>& log_mel) const;

    FeatureExtractorConfig config_;
    PowerSpectrum power_spectrum_;
    std::vector<float> hann_window_;
    std::vector<MelFilter> mel_filters_;
};

}  // namespace ovspeech::whisper
