#include "tts/time_stretch.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <string>

#include "common/error.h"

namespace ovspeech::tts {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Half a frame: 15 ms, long enough to hold a period of a low voice, short enough not to smear its onsets.
constexpr double kHopSeconds = 0.015;
// The coarse search runs at about this rate: fine enough to resolve the correlation peaks of the voice's
// strong low harmonics, and it keeps the search cost growing linearly, not quadratically, with the rate.
constexpr double kCoarseSearchRate = 8000.0;
// Accumulator lanes of the dot product: independent sums the compiler turns into vector instructions.
constexpr size_t kLanes = 8;

void check_arguments(uint32_t sample_rate, double speed) {
    if (!std::isfinite(speed) || speed < kMinSpeed || speed > kMaxSpeed) {
        std::ostringstream message;
        message << "speed must be between " << kMinSpeed << " and " << kMaxSpeed << ", got " << speed;
        throw Error(ErrorCode::InvalidArgument, message.str());
    }
    if (sample_rate < kMinStretchSampleRate || sample_rate > kMaxStretchSampleRate) {
        throw Error(ErrorCode::InvalidArgument, "sample rate for time stretching must be between " + std::to_string(kMinStretchSampleRate) +
                                                    " and " + std::to_string(kMaxStretchSampleRate) + " Hz, got " +
                                                    std::to_string(sample_rate));
    }
}

// Half the frame length at `sample_rate`.
size_t hop_length(uint32_t sample_rate) {
    return static_cast<size_t>(std::lround(sample_rate * kHopSeconds));
}

float dot(const float* a, const float* b, size_t count) {
    float lanes[kLanes] = {};
    const size_t whole = count - count % kLanes;
    for (size_t i = 0; i < whole; i += kLanes) {
        for (size_t lane = 0; lane < kLanes; ++lane) {
            lanes[lane] += a[i + lane] * b[i + lane];
        }
    }
    float sum = std::accumulate(lanes, lanes + kLanes, 0.0f);
    for (size_t i = whole; i < count; ++i) {
        sum += a[i] * b[i];
    }
    return sum;
}

// Output frame k covers output samples [(k - 1) * hop, (k + 1) * hop) and copies the input around its center
// c_k, weighted by a periodic Hann window: two overlapping windows sum to exactly one, so a steady signal
// keeps its amplitude. c_k is the nominal k * hop * speed, moved by up to `seek_radius` so that the first half
// of the frame best matches the input that followed the previous frame's center: the waveform continues
// across each overlap as it did in the input, and its period (the pitch) is kept.
// The input must hold at least one frame.
class Wsola {
public:
    Wsola(const std::vector<float>& samples, uint32_t sample_rate, double speed)
        : hop_(hop_length(sample_rate)),
          seek_radius_(hop_ / 2),
          stride_(std::max<size_t>(1, static_cast<size_t>(std::lround(sample_rate / kCoarseSearchRate)))),
          analysis_hop_(static_cast<double>(hop_) * speed),
          output_size_(static_cast<size_t>(std::llround(static_cast<double>(samples.size()) / speed))) {
        // Output sample o lies in frames o / hop_ and o / hop_ + 1.
        frame_count_ = (output_size_ - 1) / hop_ + 2;
        // Zeros before the input let the first frames reach back; zeros after it let the last frames reach
        // past its end.
        left_padding_ = hop_ + seek_radius_;
        const size_t furthest_read = nominal_center(frame_count_ - 1) + seek_radius_ + hop_ + 1;
        padded_.assign(left_padding_ + std::max(samples.size(), furthest_read), 0.0f);
        std::copy(samples.begin(), samples.end(), padded_.begin() + static_cast<std::ptrdiff_t>(left_padding_));

        energy_prefix_.resize(padded_.size() + 1, 0.0);
        for (size_t i = 0; i < padded_.size(); ++i) {
            energy_prefix_[i + 1] = energy_prefix_[i] + static_cast<double>(padded_[i]) * padded_[i];
        }
        // The coarse signal: a moving average over stride_ samples (so that decimating it aliases little),
        // split by phase so that every coarse correlation reads contiguous memory.
        decimated_.resize(stride_);
        for (size_t phase = 0; phase < stride_; ++phase) {
            decimated_[phase].reserve(padded_.size() / stride_ + 1);
        }
        double running_sum = 0.0;
        for (size_t i = 0; i < padded_.size(); ++i) {
            running_sum += padded_[i];
            if (i >= stride_) {
                running_sum -= padded_[i - stride_];
            }
            if (i + 1 >= stride_) {
                const size_t first = i + 1 - stride_;
                decimated_[first % stride_].push_back(static_cast<float>(running_sum / static_cast<double>(stride_)));
            }
        }
        window_.resize(2 * hop_);
        for (size_t i = 0; i < window_.size(); ++i) {
            window_[i] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * kPi * static_cast<double>(i) / static_cast<double>(window_.size())));
        }
    }

    std::vector<float> run() const {
        // Output sample o sits at index o + hop_, so that frame 0 starts at index 0.
        std::vector<float> output(frame_count_ * hop_ + hop_, 0.0f);
        size_t previous_center = left_padding_;
        for (size_t k = 0; k < frame_count_; ++k) {
            const size_t center = k == 0 ? left_padding_ : best_center(left_padding_ + nominal_center(k), previous_center);
            const float* frame = padded_.data() + center - hop_;
            float* destination = output.data() + k * hop_;
            for (size_t i = 0; i < window_.size(); ++i) {
                destination[i] += window_[i] * frame[i];
            }
            previous_center = center;
        }
        return std::vector<float>(output.begin() + static_cast<std::ptrdiff_t>(hop_),
                                  output.begin() + static_cast<std::ptrdiff_t>(hop_ + output_size_));
    }

private:
    // Nominal input center of frame k, relative to the input's first sample.
    size_t nominal_center(size_t k) const { return static_cast<size_t>(std::llround(static_cast<double>(k) * analysis_hop_)); }

    // The padded-input center within `seek_radius_` of `nominal` whose preceding half frame correlates best,
    // normalized by its energy, with the half frame that followed `previous_center`. A coarse pass scores
    // every stride_-th center on the decimated signal; a fine pass scores every center around its winner.
    // Ties keep the earlier winner, so silence stays at the nominal place.
    size_t best_center(size_t nominal, size_t previous_center) const {
        const size_t coarse_length = hop_ / stride_;
        const float* coarse_continuation = decimated_[previous_center % stride_].data() + previous_center / stride_;
        const auto coarse_score = [&](size_t center) {
            const size_t start = center - hop_;
            const float* candidate = decimated_[start % stride_].data() + start / stride_;
            return normalized(dot(coarse_continuation, candidate, coarse_length), start, center);
        };
        const float* continuation = padded_.data() + previous_center;
        const auto fine_score = [&](size_t center) {
            const size_t start = center - hop_;
            return normalized(dot(continuation, padded_.data() + start, hop_), start, center);
        };

        const size_t coarse_steps = seek_radius_ / stride_;
        size_t best = nominal;
        double best_score = coarse_score(nominal);
        for (size_t center = nominal - coarse_steps * stride_; center <= nominal + coarse_steps * stride_; center += stride_) {
            const double score = coarse_score(center);
            if (score > best_score) {
                best_score = score;
                best = center;
            }
        }

        const size_t first = std::max(nominal - seek_radius_, best - (stride_ - 1));
        const size_t last = std::min(nominal + seek_radius_, best + (stride_ - 1));
        best_score = fine_score(best);
        for (size_t center = first; center <= last; ++center) {
            const double score = fine_score(center);
            if (score > best_score) {
                best_score = score;
                best = center;
            }
        }
        return best;
    }

    // A correlation with the candidate padded_[start, end) divided by the candidate's norm.
    double normalized(float correlation, size_t start, size_t end) const {
        const double energy = energy_prefix_[end] - energy_prefix_[start];
        return energy > 0.0 ? correlation / std::sqrt(energy) : 0.0;
    }

    size_t hop_;           // synthesis hop: half a frame
    size_t seek_radius_;   // how far a frame's input may move from its nominal place
    size_t stride_;        // decimation factor of the coarse search
    double analysis_hop_;  // input advanced per output hop
    size_t output_size_;
    size_t frame_count_ = 0;
    size_t left_padding_ = 0;
    std::vector<float> padded_;
    std::vector<double> energy_prefix_;          // energy_prefix_[i]: sum of squares of padded_[0, i)
    std::vector<std::vector<float>> decimated_;  // [phase][m]: mean of padded_[m * stride_ + phase, + stride_)
    std::vector<float> window_;
};

}  // namespace

std::vector<float> time_stretch(const std::vector<float>& samples, uint32_t sample_rate, double speed) {
    check_arguments(sample_rate, speed);
    if (speed == 1.0 || samples.empty()) {
        return samples;
    }
    if (samples.size() < 2 * hop_length(sample_rate)) {
        std::vector<float> fitted = samples;
        fitted.resize(static_cast<size_t>(std::llround(static_cast<double>(samples.size()) / speed)), 0.0f);
        return fitted;
    }
    return Wsola(samples, sample_rate, speed).run();
}

}  // namespace ovspeech::tts
