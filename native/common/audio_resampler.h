#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ovspeech {

constexpr uint32_t kMinSampleRate = 1000;
constexpr uint32_t kMaxSampleRate = 384000;
constexpr uint32_t kMaxChannels = 64;

// Validates any PCM input and converts it to mono at `target_rate`: the mean of the channels, then
// band-limited resampling. Throws Error(InvalidArgument) for empty input, a sample count that is not a
// multiple of `channels`, channels outside [1, 64], rates outside [1000, 384000] Hz and non-finite samples.
std::vector<float> to_mono(const float* interleaved, size_t sample_count, uint32_t channels, uint32_t sample_rate, uint32_t target_rate);

// Band-limited resampler: a Kaiser-windowed sinc, centered on each output instant (linear phase, no delay),
// flat to 91.75% of the lower Nyquist frequency, -3 dB at 95% and 135 dB down from 99.375% on, as sox's
// `rate -v`. When the rate ratio reduces to few phases (44100 to 16000 has 160) the taps of every phase are
// tabulated; otherwise outputs interpolate between taps tabulated on a fine grid of sub-sample positions.
// Immutable after construction.
class AudioResampler {
public:
    // Throws Error(InvalidArgument) for rates outside [1000, 384000] Hz.
    AudioResampler(uint32_t from_rate, uint32_t to_rate);

    uint32_t from_rate() const { return from_rate_; }
    uint32_t to_rate() const { return to_rate_; }

    // round(count * to_rate / from_rate)
    size_t output_length(size_t count) const;

    // Output sample n is the band-limited input's value at time n / to_rate, the input being zero outside
    // its samples. Equal rates copy the input unchanged.
    std::vector<float> resample(const float* mono, size_t count) const;

    // The pieces resample() is made of, for resampling in a stream (StreamingResampler). Output n reads
    // the zero-padded input from padded index window_begin(n) on, taps() samples; padded index k is input
    // sample k - taps_before(). Not for equal rates.
    size_t taps() const { return taps_; }
    size_t taps_before() const { return taps_before_; }
    uint64_t window_begin(uint64_t n) const { return n * input_step_ / phases_; }
    // Outputs [first, first + count) into `output`, `padded` holding the padded input from padded index
    // `padded_begin` on (at least up to the last output's window end).
    void render(const float* padded, uint64_t padded_begin, uint64_t first, size_t count, float* output) const;

private:
    // The windowed sinc at `offset` input samples from the output instant.
    double kernel(double offset) const;

    uint32_t from_rate_;
    uint32_t to_rate_;
    uint64_t phases_;          // to_rate / gcd: output instants fall on this many sub-sample positions
    uint64_t input_step_;      // from_rate / gcd: input samples advanced per `phases_` outputs
    double cutoff_ = 0.0;      // -6 dB frequency in cycles per input sample
    double half_width_ = 0.0;  // kernel half-length in input samples
    double kaiser_beta_ = 0.0;
    size_t taps_ = 0;           // taps per output, rounded up for the vectorized dot product
    size_t taps_before_ = 0;    // taps before the input sample at or before the output instant
    size_t grid_steps_ = 0;     // 0: one row per phase; else rows at k / grid_steps_, k in [0, grid_steps_]
    std::vector<float> table_;  // [row][taps_]
};

}  // namespace ovspeech
