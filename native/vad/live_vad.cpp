#include "vad/live_vad.h"

namespace ovspeech::vad {

LiveVad::LiveVad(const SileroVadModel& model, uint32_t sample_rate, const SegmenterOptions& options)
    : sample_rate_(sample_rate),
      resampler_(sample_rate, static_cast<uint32_t>(kSampleRate)),
      frames_(model),
      segmenter_(options),
      threshold_(options.threshold) {}

int64_t LiveVad::to_input(int64_t sample16k) const {
    return sample16k * sample_rate_ / kSampleRate;
}

LiveVadUpdate LiveVad::push(const float* samples, size_t count) {
    // Equal rates pass through: the resampler copies them.
    const std::vector<float> at16k =
        sample_rate_ == kSampleRate ? std::vector<float>(samples, samples + count) : resampler_.push(samples, count);
    LiveVadUpdate update;
    for (const float probability : frames_.push(at16k.data(), at16k.size())) {
        ++update.frames;
        if (probability >= threshold_) ++update.speech_frames;
        const SpeechSegmenter::Update found = segmenter_.push(probability);
        // A span cut at the length limit ends before the next one starts.
        if (found.ended) update.events.push_back({false, to_input(found.ended->end), to_input(found.ended->start)});
        if (found.started) update.events.push_back({true, to_input(*found.started), to_input(*found.started)});
    }
    if (const auto pending = segmenter_.pending_end()) {
        update.pause = LiveVadPause{to_input(pending->start), to_input(pending->end), to_input(segmenter_.position() - pending->end)};
    }
    return update;
}

}  // namespace ovspeech::vad
