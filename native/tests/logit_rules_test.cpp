#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "whisper/logit_rules.h"

namespace {

using ovspeech::whisper::apply_logit_rules;
using ovspeech::whisper::apply_timestamp_rules;
using ovspeech::whisper::LogitRow;
using ovspeech::whisper::WhisperConfig;

// A toy vocabulary: text 0-9, <|endoftext|> 10, <|startoftranscript|> 11, <|nospeech|> 12,
// <|notimestamps|> 13, timestamps 14-23 (<|0.00|> ... <|0.18|>).
WhisperConfig toy_config() {
    WhisperConfig config;
    config.eos_token_id = 10;
    config.decoder_start_token_id = 11;
    config.no_timestamps_token_id = 13;
    config.max_initial_timestamp_index = 3;
    config.suppress_tokens = {1};
    config.begin_suppress_tokens = {2, 10};
    return config;
}

constexpr size_t kVocab = 24;

bool masked(const std::vector<float>& logits, size_t token) {
    return std::isinf(logits[token]) && logits[token] < 0;
}

std::vector<size_t> allowed(const std::vector<float>& logits) {
    std::vector<size_t> tokens;
    for (size_t i = 0; i < logits.size(); ++i) {
        if (!masked(logits, i)) tokens.push_back(i);
    }
    return tokens;
}

TEST(LogitRulesTest, FirstStepSuppressesBeginTokensThenOnlyTheList) {
    const auto config = toy_config();
    std::vector<float> first(kVocab, 0.0f);
    apply_logit_rules(LogitRow{first.data(), kVocab}, config, false, {});
    EXPECT_TRUE(masked(first, 1));
    EXPECT_TRUE(masked(first, 2));
    EXPECT_TRUE(masked(first, 10));
    std::vector<float> later(kVocab, 0.0f);
    apply_logit_rules(LogitRow{later.data(), kVocab}, config, false, {5});
    EXPECT_TRUE(masked(later, 1));
    EXPECT_FALSE(masked(later, 2));
    EXPECT_FALSE(masked(later, 10));
    EXPECT_FALSE(masked(later, 14)) << "without timestamps the timestamp rules do not apply";
}

TEST(LogitRulesTest, FirstTimestampIsNoLaterThanTheInitialLimit) {
    const auto config = toy_config();
    std::vector<float> logits(kVocab, 0.0f);
    apply_timestamp_rules(LogitRow{logits.data(), kVocab}, config, {});
    EXPECT_EQ(allowed(logits), (std::vector<size_t>{14, 15, 16, 17}));
}

TEST(LogitRulesTest, AfterASegmentClosesComesATimestampOrTheEnd) {
    const auto config = toy_config();
    std::vector<float> logits(kVocab, 0.0f);
    logits[10] = 5.0f;  // <|endoftext|> likely enough that no timestamp is forced
    apply_timestamp_rules(LogitRow{logits.data(), kVocab}, config, {14, 5, 16});
    EXPECT_EQ(allowed(logits), (std::vector<size_t>{10, 11, 12, 16, 17, 18, 19, 20, 21, 22, 23}))
        << "text is masked; the closing time may open the next segment";
}

TEST(LogitRulesTest, AfterTwoTimestampsComesText) {
    const auto config = toy_config();
    std::vector<float> logits(kVocab, 0.0f);
    logits[4] = 30.0f;
    apply_timestamp_rules(LogitRow{logits.data(), kVocab}, config, {14, 5, 16, 16});
    for (size_t token = 14; token < kVocab; ++token) EXPECT_TRUE(masked(logits, token)) << token;
    EXPECT_FALSE(masked(logits, 4));
}

TEST(LogitRulesTest, TimestampsNeverGoBack) {
    const auto config = toy_config();
    std::vector<float> logits(kVocab, 0.0f);
    logits[5] = 30.0f;
    apply_timestamp_rules(LogitRow{logits.data(), kVocab}, config, {14, 5, 17, 18, 6});
    for (size_t token = 14; token <= 18; ++token) EXPECT_TRUE(masked(logits, token)) << token;
    EXPECT_FALSE(masked(logits, 19));
}

TEST(LogitRulesTest, LikelyTimestampsTogetherForceATimestamp) {
    const auto config = toy_config();
    std::vector<float> logits(kVocab, 0.0f);
    logits[3] = 2.0f;  // the best text token alone, e^2 = 7.4, loses to ten timestamps at e^1 each = 27.2
    for (size_t token = 14; token < kVocab; ++token) logits[token] = 1.0f;
    apply_timestamp_rules(LogitRow{logits.data(), kVocab}, config, {14, 5});
    for (size_t token = 0; token < 14; ++token) EXPECT_TRUE(masked(logits, token)) << token;
    std::vector<float> text_wins(kVocab, 0.0f);
    text_wins[3] = 5.0f;
    for (size_t token = 14; token < kVocab; ++token) text_wins[token] = 1.0f;
    apply_timestamp_rules(LogitRow{text_wins.data(), kVocab}, config, {14, 5});
    EXPECT_FALSE(masked(text_wins, 3));
}

TEST(LogitRulesTest, NoTimestampsTokenIsNeverChosenWithTimestamps) {
    const auto config = toy_config();
    std::vector<float> logits(kVocab, 0.0f);
    apply_timestamp_rules(LogitRow{logits.data(), kVocab}, config, {14, 5});
    EXPECT_TRUE(masked(logits, 13));
}

}  // namespace
