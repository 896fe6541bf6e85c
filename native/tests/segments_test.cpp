#include <gtest/gtest.h>

#include <vector>

#include "whisper/segments.h"

namespace {

using ovspeech::whisper::split_segments;
using ovspeech::whisper::WhisperConfig;

// Timestamps start at 100 (<|0.00|>); one step is 0.02 s and two feature frames.
WhisperConfig config() {
    WhisperConfig c;
    c.eos_token_id = 50;
    c.no_timestamps_token_id = 99;
    return c;
}

TEST(SegmentsTest, SplitsClosedPairsAndSeeksToTheLastClosingTimestamp) {
    const std::vector<int64_t> tokens{100, 1, 2, 150, 150, 3, 175, 50};
    const auto split = split_segments(tokens, config(), 3000, 0.02f, 30.0f);
    ASSERT_EQ(split.segments.size(), 2u);
    EXPECT_EQ(split.segments[0].tokens, (std::vector<int64_t>{1, 2}));
    EXPECT_FLOAT_EQ(split.segments[0].start, 30.0f);
    EXPECT_FLOAT_EQ(split.segments[0].end, 31.0f);
    EXPECT_EQ(split.segments[1].tokens, (std::vector<int64_t>{3}));
    EXPECT_FLOAT_EQ(split.segments[1].start, 31.0f);
    EXPECT_FLOAT_EQ(split.segments[1].end, 31.5f);
    EXPECT_EQ(split.text_tokens, (std::vector<int64_t>{1, 2, 3}));
    EXPECT_EQ(split.next_offset_frames, 3000u) << "a single closing timestamp before the end: speech ended in this window";
}

TEST(SegmentsTest, AnOpenedLastSegmentIsDecodedAgainInTheNextWindow) {
    const std::vector<int64_t> tokens{100, 1, 150, 160, 2, 3};
    const auto split = split_segments(tokens, config(), 3000, 0.02f, 0.0f);
    ASSERT_EQ(split.segments.size(), 1u);
    EXPECT_EQ(split.next_offset_frames, 100u);
    EXPECT_EQ(split.text_tokens, (std::vector<int64_t>{1}));
}

TEST(SegmentsTest, ARepeatedTimestampOpensTheSegmentAgain) {
    const std::vector<int64_t> tokens{110, 110, 4, 120};
    const auto split = split_segments(tokens, config(), 3000, 0.02f, 0.0f);
    ASSERT_EQ(split.segments.size(), 1u);
    EXPECT_EQ(split.segments[0].tokens, (std::vector<int64_t>{110, 4}));
    EXPECT_FLOAT_EQ(split.segments[0].start, 0.2f);
    EXPECT_FLOAT_EQ(split.segments[0].end, 0.4f);
}

TEST(SegmentsTest, AnUnclosedOnlySegmentRunsToTheWindowEnd) {
    const std::vector<int64_t> tokens{104, 7, 8, 50};
    const auto split = split_segments(tokens, config(), 3000, 0.02f, 0.0f);
    ASSERT_EQ(split.segments.size(), 1u);
    EXPECT_EQ(split.segments[0].tokens, (std::vector<int64_t>{7, 8, 50}));
    EXPECT_FLOAT_EQ(split.segments[0].end, -1.0f);
    EXPECT_EQ(split.next_offset_frames, 3000u);
}

TEST(SegmentsTest, ALoneOpeningTimestampStillMovesOn) {
    const auto split = split_segments({104}, config(), 3000, 0.02f, 0.0f);
    EXPECT_TRUE(split.segments.empty());
    EXPECT_EQ(split.next_offset_frames, 3000u);
}

}  // namespace
