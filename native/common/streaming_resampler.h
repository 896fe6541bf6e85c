#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/audio_resampler.h"

namespace ovspeech {

// AudioResampler's filter over a stream that arrives in chunks of any size: the concatenated outputs of
// push() and flush() equal AudioResampler::resample() of the whole input, sample for sample, and are
// round(inputs * to_rate / from_rate) long. Each output goes out as soon as the input its taps reach has
// arrived (about half the filter's length later). One stream per object; not thread-safe.
class StreamingResampler {
public:
    // Throws Error(InvalidArgument) for rates outside [1000, 384000] Hz.
    StreamingResampler(uint32_t from_rate, uint32_t to_rate);

    const AudioResampler& resampler() const { return resampler_; }

    // The outputs that `count` more input samples complete. Throws Error(Internal) after flush().
    std::vector<float> push(const float* samples, size_t count);
    // The remaining outputs, reading zeros past the end of the input. The stream ends here.
    std::vector<float> flush();

private:
    // Outputs up to `end` (exclusive), then drops the input no later output reads.
    std::vector<float> produce(uint64_t end);

    AudioResampler resampler_;
    std::vector<float> padded_;  // the zero-padded input from padded index padded_begin_ on
    uint64_t padded_begin_ = 0;
    uint64_t inputs_ = 0;
    uint64_t outputs_ = 0;
    bool flushed_ = false;
};

}  // namespace ovspeech
