#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/streaming_resampler.h"
#include "vad/silero_vad.h"
#include "vad/speech_segmenter.h"

namespace ovspeech::vad {

// A start or an end of speech in a live stream, in samples of the stream's own rate from its start.
struct LiveVadEvent {
    bool started = false;  // speech began at `at`; else a span ended: [start, at), unpadded
    int64_t at = 0;
    int64_t start = 0;
};

// Speech that has paused: the span it ends as if the pause lasts, and the silence so far, in samples of
// the stream's rate. A client may start on the span early; the segmenter ends it exactly so or not at all.
struct LiveVadPause {
    int64_t start = 0;
    int64_t at = 0;
    int64_t silence = 0;
};

// What one push found, its events in order.
struct LiveVadUpdate {
    std::vector<LiveVadEvent> events;
    // The pause speech is in after the push, if it is in one.
    std::optional<LiveVadPause> pause;
    int64_t frames = 0;         // 32 ms frames scored by this push
    int64_t speech_frames = 0;  // of which at or above the threshold
};

// A live stream's speech, as its audio arrives at any rate: resampled to 16 kHz in a stream (the same
// samples as resampling the whole), scored frame by frame on its own infer request, and segmented
// (SpeechSegmenter). One stream per object; its pushes one at a time.
class LiveVad {
public:
    LiveVad(const SileroVadModel& model, uint32_t sample_rate, const SegmenterOptions& options);

    LiveVadUpdate push(const float* samples, size_t count);

private:
    int64_t to_input(int64_t sample16k) const;

    uint32_t sample_rate_;
    StreamingResampler resampler_;
    SileroVadModel::Stream frames_;
    SpeechSegmenter segmenter_;
    float threshold_;
};

}  // namespace ovspeech::vad
