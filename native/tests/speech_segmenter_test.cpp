#include "vad/speech_segmenter.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace {

using ovspeech::vad::find_speech;
using ovspeech::vad::kFrameSamples;
using ovspeech::vad::SampleSpan;
using ovspeech::vad::SegmenterOptions;
using ovspeech::vad::SpeechSegmenter;

// Frame probabilities: `count` frames of `probability` appended.
struct Probabilities {
    std::vector<float> values;
    Probabilities& add(size_t count, float probability) {
        values.insert(values.end(), count, probability);
        return *this;
    }
    int64_t samples() const { return static_cast<int64_t>(values.size()) * kFrameSamples; }
};

constexpr int64_t frames(int64_t count) {
    return count * kFrameSamples;
}

// 30 ms of padding at 16 kHz.
constexpr int64_t kPad = 480;

TEST(SpeechSegmenter, FindsNoSpeechInSilence) {
    const Probabilities silence = Probabilities().add(100, 0.01f);
    EXPECT_TRUE(find_speech(silence.values, silence.samples(), {}).empty());
}

TEST(SpeechSegmenter, FindsOneSpanFromItsFirstSpeechFrameToItsSilencePadded) {
    const Probabilities audio = Probabilities().add(10, 0.0f).add(30, 0.9f).add(60, 0.0f);
    const std::vector<SampleSpan> spans = find_speech(audio.values, audio.samples(), {});
    ASSERT_EQ(spans.size(), 1u);
    EXPECT_EQ(spans[0].start, frames(10) - kPad);
    EXPECT_EQ(spans[0].end, frames(40) + kPad);
}

TEST(SpeechSegmenter, DropsSpeechShorterThanTheMinimum) {
    // 7 frames are 224 ms, under the default 250.
    const Probabilities blip = Probabilities().add(10, 0.0f).add(7, 0.9f).add(20, 0.0f);
    EXPECT_TRUE(find_speech(blip.values, blip.samples(), {}).empty());
    SegmenterOptions shorter;
    shorter.min_speech_ms = 200;
    EXPECT_EQ(find_speech(blip.values, blip.samples(), shorter).size(), 1u);
}

TEST(SpeechSegmenter, KeepsSpeechThroughPausesShorterThanTheMinimumSilence) {
    // 3 frames (96 ms) of silence in the middle, under the default 100 ms.
    const Probabilities audio = Probabilities().add(20, 0.9f).add(3, 0.0f).add(20, 0.9f).add(10, 0.0f);
    const std::vector<SampleSpan> spans = find_speech(audio.values, audio.samples(), {});
    ASSERT_EQ(spans.size(), 1u);
    EXPECT_EQ(spans[0].end, frames(43) + kPad);
    // 4 frames (128 ms) end it.
    const Probabilities split = Probabilities().add(20, 0.9f).add(4, 0.0f).add(20, 0.9f).add(10, 0.0f);
    EXPECT_EQ(find_speech(split.values, split.samples(), {}).size(), 2u);
}

TEST(SpeechSegmenter, EndsSpeechOnlyBelowTheLowerThreshold) {
    // 0.4 is under the threshold (0.5) but above the end threshold (0.35): speech goes on.
    const Probabilities audio = Probabilities().add(20, 0.9f).add(20, 0.4f).add(20, 0.1f);
    const std::vector<SampleSpan> spans = find_speech(audio.values, audio.samples(), {});
    ASSERT_EQ(spans.size(), 1u);
    EXPECT_EQ(spans[0].end, frames(40) + kPad);
    // ... and does not start it.
    const Probabilities faint = Probabilities().add(20, 0.4f);
    EXPECT_TRUE(find_speech(faint.values, faint.samples(), {}).empty());
}

TEST(SpeechSegmenter, SplitsAGapNarrowerThanTwoPaddingsInItsMiddle) {
    SegmenterOptions options;
    options.speech_pad_ms = 200;  // 3,200 samples: a gap of 5 frames (2,560) is narrower than two
    const Probabilities audio = Probabilities().add(10, 0.0f).add(20, 0.9f).add(5, 0.0f).add(20, 0.9f).add(30, 0.0f);
    const std::vector<SampleSpan> spans = find_speech(audio.values, audio.samples(), options);
    ASSERT_EQ(spans.size(), 2u);
    EXPECT_EQ(spans[0].start, frames(10) - 3200);
    EXPECT_EQ(spans[0].end, frames(30) + frames(5) / 2);
    EXPECT_EQ(spans[1].start, spans[0].end);
    EXPECT_EQ(spans[1].end, frames(55) + 3200);
}

TEST(SpeechSegmenter, KeepsPaddedSpansWithinTheAudio) {
    const Probabilities audio = Probabilities().add(30, 0.9f);
    const int64_t total = audio.samples() - 100;  // the last frame was padded
    const std::vector<SampleSpan> spans = find_speech(audio.values, total, {});
    ASSERT_EQ(spans.size(), 1u);
    EXPECT_EQ(spans[0].start, 0);
    EXPECT_EQ(spans[0].end, total);
}

TEST(SpeechSegmenter, CutsSpeechOverTheLimitAtItsLongestPause) {
    SegmenterOptions options;
    options.min_silence_ms = 1000;    // pauses do not end speech
    options.max_speech_ms = 64 * 32;  // 64 frames
    options.speech_pad_ms = 0;
    // Pauses of 4 frames (128 ms) at 20 and of 6 frames at 40: the longer one is where it is cut.
    const Probabilities audio = Probabilities().add(20, 0.9f).add(4, 0.0f).add(16, 0.9f).add(6, 0.0f).add(30, 0.9f).add(40, 0.0f);
    const std::vector<SampleSpan> spans = find_speech(audio.values, audio.samples(), options);
    ASSERT_EQ(spans.size(), 2u);
    EXPECT_EQ(spans[0].start, 0);
    EXPECT_EQ(spans[0].end, frames(40));
    EXPECT_EQ(spans[1].start, frames(46));
    EXPECT_EQ(spans[1].end, frames(76));
}

TEST(SpeechSegmenter, CutsSpeechWithoutPausesAtTheLimit) {
    SegmenterOptions options;
    options.max_speech_ms = 20 * 32;
    options.speech_pad_ms = 0;
    const Probabilities audio = Probabilities().add(50, 0.9f).add(10, 0.0f);
    const std::vector<SampleSpan> spans = find_speech(audio.values, audio.samples(), options);
    ASSERT_EQ(spans.size(), 3u);
    for (const SampleSpan& span : spans) EXPECT_LE(span.end - span.start, frames(20));
    EXPECT_EQ(spans[0].end, spans[1].start);
    EXPECT_EQ(spans[2].end, frames(50));
}

TEST(SpeechSegmenter, ReportsStartsAndEndsAsFramesArrive) {
    SpeechSegmenter segmenter({});
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(segmenter.push(0.0f).started);
    const SpeechSegmenter::Update first = segmenter.push(0.8f);
    ASSERT_TRUE(first.started);
    EXPECT_EQ(*first.started, frames(5));
    EXPECT_TRUE(segmenter.in_speech());
    for (int i = 0; i < 10; ++i) EXPECT_FALSE(segmenter.push(0.8f).ended);
    // 100 ms of silence: 3 frames are 96 ms, the fourth ends the span.
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(segmenter.push(0.0f).ended);
    const SpeechSegmenter::Update end = segmenter.push(0.0f);
    ASSERT_TRUE(end.ended);
    EXPECT_EQ(end.ended->start, frames(5));
    EXPECT_EQ(end.ended->end, frames(16));
    EXPECT_EQ(segmenter.position(), frames(20));
    EXPECT_FALSE(segmenter.in_speech());
}

TEST(SpeechSegmenter, TellsTheSpanAPauseWouldEndAsBeforeItEnds) {
    SpeechSegmenter segmenter({});
    EXPECT_FALSE(segmenter.pending_end());
    for (int i = 0; i < 10; ++i) segmenter.push(0.8f);
    EXPECT_FALSE(segmenter.pending_end());
    segmenter.push(0.0f);
    segmenter.push(0.0f);
    ASSERT_TRUE(segmenter.pending_end());
    EXPECT_EQ(segmenter.pending_end()->start, 0);
    EXPECT_EQ(segmenter.pending_end()->end, frames(10));
    // Speech resumes: no pause, and the span goes on.
    segmenter.push(0.8f);
    EXPECT_FALSE(segmenter.pending_end());
    for (int i = 0; i < 3; ++i) segmenter.push(0.0f);
    const SampleSpan pending = *segmenter.pending_end();
    // The pause lasts: the span ends exactly as announced.
    const SpeechSegmenter::Update end = segmenter.push(0.0f);
    ASSERT_TRUE(end.ended);
    EXPECT_EQ(end.ended->start, pending.start);
    EXPECT_EQ(end.ended->end, pending.end);
    EXPECT_EQ(pending.end, frames(13));
    EXPECT_FALSE(segmenter.pending_end());
}

TEST(SpeechSegmenter, EndsSpeechInProgressWithTheAudio) {
    SpeechSegmenter segmenter({});
    segmenter.push(0.9f);
    segmenter.push(0.9f);
    const auto last = segmenter.finish(frames(2) - 7);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->start, 0);
    EXPECT_EQ(last->end, frames(2) - 7);
    EXPECT_FALSE(segmenter.finish(frames(2)));
}

TEST(SpeechSegmenter, RejectsOptionsOutOfRange) {
    SegmenterOptions options;
    options.threshold = 0;
    try {
        options.check();
        FAIL() << "threshold 0 was accepted";
    } catch (const ovspeech::Error& error) {
        EXPECT_EQ(error.code(), ovspeech::ErrorCode::InvalidArgument);
        EXPECT_EQ(error.param(), "threshold");
    }
    SegmenterOptions inverted;
    inverted.neg_threshold = 0.7f;
    EXPECT_THROW(inverted.check(), ovspeech::Error);
    SegmenterOptions defaults;
    EXPECT_NO_THROW(defaults.check());
    EXPECT_FLOAT_EQ(defaults.end_threshold(), 0.35f);
}

}  // namespace
