#include "common/audio_resampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "common/error.h"

namespace ovspeech {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Filter design, in fractions of the lower Nyquist frequency: flat to 91.75%, -3 dB at 95%, and 135 dB
// down from 99.375% on. This is the response of sox's "very high" quality (`rate -v`), whose output the
// Whisper features of resampled audio are checked against.
constexpr double kPassBandEnd = 0.9175;
constexpr double kStopBandStart = 0.99375;
constexpr double kStopBandAttenuationDb = 135.0;

// Rows of taps for every phase up to this many coefficients (4 MB). Past it, rows sit on a grid of
// fractional positions and each output interpolates linearly between the two rows around it.
constexpr size_t kPhaseTableBudget = size_t{1} << 20;
// Grid rows per zero crossing of the sinc: interpolating at this spacing errs by under 5e-7 of the kernel's
// peak, below the float coefficients' own rounding at the filter's attenuation.
constexpr double kGridStepsPerZeroCrossing = 1024.0;
// Accumulator lanes of the dot product: independent sums the compiler turns into vector instructions.
constexpr size_t kLanes = 8;

void check_rate(uint32_t rate, const char* what) {
    if (rate < kMinSampleRate || rate > kMaxSampleRate) {
        throw Error(ErrorCode::InvalidArgument, std::string(what) + " must be between " + std::to_string(kMinSampleRate) + " and " +
                                                    std::to_string(kMaxSampleRate) + " Hz, got " + std::to_string(rate));
    }
}

// Modified Bessel function of the first kind, order 0, by its power series (converges fast for the
// Kaiser betas used here).
double bessel_i0(double x) {
    const double quarter_x_squared = 0.25 * x * x;
    double term = 1.0;
    double sum = 1.0;
    for (int k = 1; k < 500 && term > 1e-17 * sum; ++k) {
        term *= quarter_x_squared / (static_cast<double>(k) * static_cast<double>(k));
        sum += term;
    }
    return sum;
}

// `taps` is a multiple of kLanes.
float dot(const float* samples, const float* coefficients, size_t taps) {
    float lanes[kLanes] = {};
    for (size_t i = 0; i < taps; i += kLanes) {
        for (size_t lane = 0; lane < kLanes; ++lane) {
            lanes[lane] += samples[i + lane] * coefficients[i + lane];
        }
    }
    return std::accumulate(lanes, lanes + kLanes, 0.0f);
}

const char* non_finite_name(float value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    return value > 0 ? "+Inf" : "-Inf";
}

}  // namespace

AudioResampler::AudioResampler(uint32_t from_rate, uint32_t to_rate) : from_rate_(from_rate), to_rate_(to_rate) {
    check_rate(from_rate, "input sample rate");
    check_rate(to_rate, "output sample rate");
    const uint64_t divisor = std::gcd(from_rate, to_rate);
    phases_ = to_rate / divisor;
    input_step_ = from_rate / divisor;
    if (from_rate == to_rate) {
        return;
    }

    // Frequencies in cycles per input sample.
    const double lower_nyquist = 0.5 * std::min(1.0, static_cast<double>(to_rate) / from_rate);
    const double transition = (kStopBandStart - kPassBandEnd) * lower_nyquist;
    cutoff_ = 0.5 * (kPassBandEnd + kStopBandStart) * lower_nyquist;
    // Kaiser's design formulas for the window's shape and length.
    kaiser_beta_ = 0.1102 * (kStopBandAttenuationDb - 8.7);
    half_width_ = 0.5 * (kStopBandAttenuationDb - 7.95) / (14.36 * transition);

    // Output n sits at input position i + frac, frac in [0, 1]; its taps start at input i - taps_before_ and
    // reach every input closer than half_width_.
    taps_before_ = static_cast<size_t>(std::ceil(half_width_));
    taps_ = (2 * taps_before_ + 2 + kLanes - 1) / kLanes * kLanes;

    size_t rows = phases_;
    if (phases_ * taps_ > kPhaseTableBudget) {
        grid_steps_ = static_cast<size_t>(std::ceil(kGridStepsPerZeroCrossing * 2.0 * cutoff_));
        rows = grid_steps_ + 1;
    }
    const double row_spacing = 1.0 / static_cast<double>(grid_steps_ == 0 ? phases_ : grid_steps_);
    table_.resize(rows * taps_);
    for (size_t row = 0; row < rows; ++row) {
        const double frac = static_cast<double>(row) * row_spacing;
        for (size_t tap = 0; tap < taps_; ++tap) {
            table_[row * taps_ + tap] = static_cast<float>(kernel(frac + static_cast<double>(taps_before_) - static_cast<double>(tap)));
        }
    }
}

double AudioResampler::kernel(double offset) const {
    const double ratio = offset / half_width_;
    if (ratio <= -1.0 || ratio >= 1.0) {
        return 0.0;
    }
    const double x = 2.0 * cutoff_ * offset;
    const double sinc = x == 0.0 ? 1.0 : std::sin(kPi * x) / (kPi * x);
    const double window = bessel_i0(kaiser_beta_ * std::sqrt(1.0 - ratio * ratio)) / bessel_i0(kaiser_beta_);
    return 2.0 * cutoff_ * sinc * window;
}

size_t AudioResampler::output_length(size_t count) const {
    // Split the product so that it cannot overflow: count = whole * from + rest.
    const uint64_t whole = count / from_rate_;
    const uint64_t rest = count % from_rate_;
    return static_cast<size_t>(whole * to_rate_ + (2 * rest * to_rate_ + from_rate_) / (2 * uint64_t{from_rate_}));
}

std::vector<float> AudioResampler::resample(const float* mono, size_t count) const {
    if (from_rate_ == to_rate_) {
        return std::vector<float>(mono, mono + count);
    }
    // Zeros around the input so that every output reads whole taps.
    std::vector<float> padded(count + taps_, 0.0f);
    std::copy(mono, mono + count, padded.begin() + static_cast<std::ptrdiff_t>(taps_before_));
    std::vector<float> output(output_length(count));
    render(padded.data(), 0, 0, output.size(), output.data());
    return output;
}

void AudioResampler::render(const float* padded, uint64_t padded_begin, uint64_t first, size_t count, float* output) const {
    const uint64_t position = first * input_step_;
    uint64_t input_index = position / phases_;
    uint64_t phase = position % phases_;
    for (size_t n = 0; n < count; ++n) {
        const float* window = padded + (input_index - padded_begin);
        if (grid_steps_ == 0) {
            output[n] = dot(window, table_.data() + phase * taps_, taps_);
        } else {
            const double grid_position = static_cast<double>(phase) * static_cast<double>(grid_steps_) / static_cast<double>(phases_);
            const auto row = static_cast<size_t>(grid_position);
            const auto weight = static_cast<float>(grid_position - static_cast<double>(row));
            const float* coefficients = table_.data() + row * taps_;
            output[n] = (1.0f - weight) * dot(window, coefficients, taps_) + weight * dot(window, coefficients + taps_, taps_);
        }
        phase += input_step_;
        input_index += phase / phases_;
        phase %= phases_;
    }
}

std::vector<float> to_mono(const float* interleaved, size_t sample_count, uint32_t channels, uint32_t sample_rate, uint32_t target_rate) {
    if (sample_count == 0 || interleaved == nullptr) {
        throw Error(ErrorCode::InvalidArgument, "audio is empty: it has no samples");
    }
    if (channels == 0 || channels > kMaxChannels) {
        throw Error(ErrorCode::InvalidArgument,
                    "channel count must be between 1 and " + std::to_string(kMaxChannels) + ", got " + std::to_string(channels));
    }
    if (sample_count % channels != 0) {
        throw Error(ErrorCode::InvalidArgument,
                    "sample count " + std::to_string(sample_count) + " is not a multiple of the channel count " + std::to_string(channels));
    }
    check_rate(sample_rate, "sample rate");
    check_rate(target_rate, "target sample rate");
    for (size_t i = 0; i < sample_count; ++i) {
        if (!std::isfinite(interleaved[i])) {
            throw Error(ErrorCode::InvalidArgument, "sample " + std::to_string(i) + " (frame " + std::to_string(i / channels) +
                                                        ", channel " + std::to_string(i % channels) + ") is " +
                                                        non_finite_name(interleaved[i]) + ": audio samples must be finite");
        }
    }

    const size_t frames = sample_count / channels;
    std::vector<float> mono(frames);
    if (channels == 1) {
        std::copy(interleaved, interleaved + frames, mono.begin());
    } else {
        for (size_t frame = 0; frame < frames; ++frame) {
            const float* first = interleaved + frame * channels;
            const double sum = std::accumulate(first, first + channels, 0.0);
            mono[frame] = static_cast<float>(sum / channels);
        }
    }
    if (sample_rate == target_rate) {
        return mono;
    }
    return AudioResampler(sample_rate, target_rate).resample(mono.data(), mono.size());
}

}  // namespace ovspeech
