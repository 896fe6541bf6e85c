#include "common/streaming_resampler.h"

#include <algorithm>

#include "common/error.h"

namespace ovspeech {

StreamingResampler::StreamingResampler(uint32_t from_rate, uint32_t to_rate)
    : resampler_(from_rate, to_rate), padded_(from_rate == to_rate ? 0 : resampler_.taps_before(), 0.0f) {}

std::vector<float> StreamingResampler::push(const float* samples, size_t count) {
    if (flushed_) throw Error(ErrorCode::Internal, "the resampler was pushed to after flush()");
    inputs_ += count;
    if (resampler_.from_rate() == resampler_.to_rate()) return std::vector<float>(samples, samples + count);
    padded_.insert(padded_.end(), samples, samples + count);
    // Output n is complete once its window fits: window_begin(n) + taps <= available, that is
    // n * input_step < (available - taps + 1) * phases.
    const uint64_t available = padded_begin_ + padded_.size();
    const uint64_t taps = resampler_.taps();
    if (available < taps) return {};
    const uint64_t from = resampler_.from_rate();
    const uint64_t to = resampler_.to_rate();
    // window_begin(n) <= available - taps  <=>  n * from / to < available - taps + 1
    const uint64_t limit = (available - taps + 1) * to;
    return produce((limit + from - 1) / from);
}

std::vector<float> StreamingResampler::flush() {
    if (flushed_) return {};
    flushed_ = true;
    if (resampler_.from_rate() == resampler_.to_rate()) return {};
    // The last output's window starts before the end of the input, so taps zeros reach past every window.
    padded_.insert(padded_.end(), resampler_.taps(), 0.0f);
    return produce(resampler_.output_length(inputs_));
}

std::vector<float> StreamingResampler::produce(uint64_t end) {
    if (end <= outputs_) return {};
    std::vector<float> output(end - outputs_);
    resampler_.render(padded_.data(), padded_begin_, outputs_, output.size(), output.data());
    outputs_ = end;
    const uint64_t keep_from = std::min(resampler_.window_begin(outputs_), padded_begin_ + padded_.size());
    if (keep_from > padded_begin_) {
        padded_.erase(padded_.begin(), padded_.begin() + static_cast<std::ptrdiff_t>(keep_from - padded_begin_));
        padded_begin_ = keep_from;
    }
    return output;
}

}  // namespace ovspeech
