#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace ovspeech::vad {

// Samples a VAD frame covers, at kSampleRate: Silero's window at 16 kHz.
constexpr int64_t kSampleRate = 16000;
constexpr int64_t kFrameSamples = 512;

// How speech is told from silence in a sequence of per-frame speech probabilities. The defaults are
// Silero's own (get_speech_timestamps).
struct SegmenterOptions {
    // A frame at or above this probability is speech.
    float threshold = 0.5f;
    // Speech ends only on frames below this; by default threshold - 0.15, at least 0.01.
    std::optional<float> neg_threshold;
    // Spans of speech shorter than this are dropped (find_speech only).
    int64_t min_speech_ms = 250;
    // Speech ends after this much silence.
    int64_t min_silence_ms = 100;
    // Each span is widened by this much on both sides, within the audio (find_speech only).
    int64_t speech_pad_ms = 30;
    // A span of speech longer than this is cut at its longest pause of 98 ms or more, or where it reaches
    // the limit when it has none; 0 for no limit.
    int64_t max_speech_ms = 0;

    float end_threshold() const;
    // Throws Error(INVALID_ARGUMENT) naming the option out of its range.
    void check() const;
};

// A span of audio, in samples at kSampleRate: [start, end).
struct SampleSpan {
    int64_t start = 0;
    int64_t end = 0;
};

// Finds speech frame by frame, as the probabilities arrive: a live stream's turns, or a file's spans.
// Spans are unpadded: from the first speech frame to the first frame of the silence that ends them.
class SpeechSegmenter {
public:
    explicit SpeechSegmenter(const SegmenterOptions& options);

    struct Update {
        // Speech began at this sample, in this frame.
        std::optional<int64_t> started;
        // A span ended: enough silence after it, or the length limit.
        std::optional<SampleSpan> ended;
    };

    // Takes the next frame's speech probability.
    Update push(float probability);
    // Ends the audio: the span in progress, if any, ends at `total_samples`.
    std::optional<SampleSpan> finish(int64_t total_samples);

    bool in_speech() const { return in_speech_; }
    // While speech pauses: the span it ends as if the pause lasts, [start, first silent frame); else none.
    std::optional<SampleSpan> pending_end() const;
    // Samples pushed so far: frames × kFrameSamples.
    int64_t position() const { return frames_ * kFrameSamples; }

private:
    struct Pause {
        int64_t start;
        int64_t length;
    };

    const SegmenterOptions options_;
    const int64_t min_silence_samples_;
    const int64_t max_speech_samples_;
    int64_t frames_ = 0;
    bool in_speech_ = false;
    int64_t start_ = 0;
    std::optional<int64_t> silence_start_;  // the first frame below end_threshold() in the current pause
    std::vector<Pause> pauses_;             // within the current span, where it could be cut
};

// The spans of speech in `probabilities` (one per frame of kFrameSamples), in samples of audio
// `total_samples` long: too short ones dropped, the rest padded, a gap narrower than twice the padding
// split in its middle.
std::vector<SampleSpan> find_speech(const std::vector<float>& probabilities, int64_t total_samples, const SegmenterOptions& options);

}  // namespace ovspeech::vad
