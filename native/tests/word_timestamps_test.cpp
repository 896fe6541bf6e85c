#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "whisper/word_timestamps.h"

namespace {

using namespace ovspeech::whisper;
using Path = std::vector<std::pair<size_t, size_t>>;

Matrix matrix_of(const std::vector<std::vector<float>>& rows) {
    Matrix matrix(rows.size(), rows.front().size());
    for (size_t row = 0; row < rows.size(); ++row) {
        for (size_t col = 0; col < matrix.cols; ++col) matrix.at(row, col) = rows[row][col];
    }
    return matrix;
}

TEST(DtwTest, FollowsTheCheapCellsDownAndRight) {
    // Totals by hand (row, col): (0,0)=1 (0,1)=2 (0,2)=11 (0,3)=20; (1,0)=10 (1,1)=10 (1,2)=3 (1,3)=4.
    // Back from (1,3): right from (1,2), which is diagonal from (0,1), right from (0,0).
    const Matrix cost = matrix_of({{1, 1, 9, 9}, {9, 9, 1, 1}});
    EXPECT_EQ(dtw_path(cost), (Path{{0, 0}, {0, 1}, {1, 2}, {1, 3}}));
}

TEST(DtwTest, StaysOnTheDiagonalOfASquareWithACheapDiagonal) {
    const Matrix cost = matrix_of({{0, 5, 5}, {5, 0, 5}, {5, 5, 0}});
    EXPECT_EQ(dtw_path(cost), (Path{{0, 0}, {1, 1}, {2, 2}}));
}

TEST(DtwTest, OnATieStepsRight) {
    // At (1,1) all three predecessors cost 0: a step right, from (1,0), which (0,0) reaches by a step down.
    const Matrix cost = matrix_of({{0, 0}, {0, 0}});
    EXPECT_EQ(dtw_path(cost), (Path{{0, 0}, {1, 0}, {1, 1}}));
}

TEST(DtwTest, OneColumnGoesStraightDown) {
    EXPECT_EQ(dtw_path(matrix_of({{3}, {1}, {2}})), (Path{{0, 0}, {1, 0}, {2, 0}}));
}

TEST(MedianFilterTest, ShrinksTheWindowAtTheEndsAndAveragesEvenCounts) {
    const Matrix filtered = median_filter(matrix_of({{3, 1, 2, 5, 4}, {1, 1, 9, 1, 1}}), 3);
    // Windows of row 0: {3,1} {3,1,2} {1,2,5} {2,5,4} {5,4}.
    EXPECT_EQ(filtered.values, (std::vector<float>{2, 2, 2, 4, 4.5f, 1, 1, 1, 1, 1}));
}

TEST(MedianFilterTest, WidthSevenSeesThreeColumnsEachSide) {
    const Matrix filtered = median_filter(matrix_of({{0, 0, 0, 9, 9, 9, 9, 0}}), 7);
    // Column 0 sees {0,0,0,9}, column 1 {0,0,0,9,9}, column 2 {0,0,0,9,9,9}, column 7 {9,9,9,0}.
    EXPECT_EQ(filtered.values, (std::vector<float>{0, 0, 4.5f, 9, 9, 9, 9, 9}));
}

TEST(AlignmentCostTest, DropsTheStartAndEndRowsAndIsLowestWhereATokenAttends) {
    // Two start rows, two text tokens (attending to frames 4-8 and 12-16), <|endoftext|>.
    Matrix scores(5, 20);
    for (size_t col = 4; col <= 8; ++col) scores.at(2, col) = 10;
    for (size_t col = 12; col <= 16; ++col) scores.at(3, col) = 10;
    const Matrix cost = alignment_cost({scores, scores}, 2);
    ASSERT_EQ(cost.rows, 2u);
    ASSERT_EQ(cost.cols, 20u);
    for (size_t row = 0; row < 2; ++row) {
        const auto begin = cost.values.begin() + static_cast<std::ptrdiff_t>(row * cost.cols);
        const size_t cheapest = static_cast<size_t>(std::min_element(begin, begin + 20) - begin);
        EXPECT_EQ(cheapest, row == 0 ? 4u : 12u) << "the first of the row's cheapest frames";
    }
    const Path path = dtw_path(cost);
    const auto second = std::find_if(path.begin(), path.end(), [](const auto& cell) { return cell.first == 1; });
    ASSERT_NE(second, path.end());
    EXPECT_GT(second->second, 8u) << "the second token starts after the first one's frames";
    EXPECT_LE(second->second, 12u) << "and no later than its own";
}

constexpr int64_t kEos = 100;

// A detokenizer over a few pieces: "\xC3" is the first byte of "é" (U+FFFD until "\xA9" follows), and
// "\xFF" is never valid; special tokens decode to nothing, as the real detokenizer skips them.
std::string decode(const std::vector<int64_t>& tokens) {
    static const std::map<int64_t, std::string> pieces = {{1, " Hello"}, {2, ","},     {3, " wor"},          {4, "ld"},
                                                          {5, "!"},      {6, " caf"},  {7, "\xC3"},          {8, "\xA9"},
                                                          {9, " ok"},    {10, "\xFF"}, {11, "\xE3\x81\x93"}, {12, "\xE3\x82\x93"},
                                                          {13, "'s"}};
    static const std::string replacement = "\xEF\xBF\xBD";
    std::string text;
    for (const int64_t token : tokens) {
        if (token < kEos) text += pieces.at(token);
    }
    for (size_t at = text.find('\xFF'); at != std::string::npos; at = text.find('\xFF')) text.replace(at, 1, replacement);
    if (!text.empty() && text.back() == '\xC3') text.replace(text.size() - 1, 1, replacement);
    return text;
}

std::vector<std::string> words_of(const std::vector<WordTokens>& words) {
    std::vector<std::string> texts;
    for (const auto& word : words) texts.push_back(word.word);
    return texts;
}

TEST(SplitWordsTest, StartsAWordAtASpaceAtPunctuationAndAtEndOfText) {
    const auto words = split_words({1, 2, 3, 4, 5, kEos}, "en", kEos, decode);
    EXPECT_EQ(words_of(words), (std::vector<std::string>{" Hello", ",", " world", "!", ""}));
    EXPECT_EQ(words[2].tokens, (std::vector<int64_t>{3, 4}));
    EXPECT_EQ(words[4].tokens, (std::vector<int64_t>{kEos}));
}

TEST(SplitWordsTest, KeepsTheTokensOfOneCharacterTogether) {
    const auto words = split_words({6, 7, 8, 9, kEos}, "fr", kEos, decode);
    EXPECT_EQ(words_of(words), (std::vector<std::string>{" caf\xC3\xA9", " ok", ""}));
    EXPECT_EQ(words[0].tokens, (std::vector<int64_t>{6, 7, 8}));
}

TEST(SplitWordsTest, PunctuationWithLettersDoesNotStartAWord) {
    EXPECT_EQ(words_of(split_words({1, 13, kEos}, "en", kEos, decode)), (std::vector<std::string>{" Hello's", ""}));
}

TEST(SplitWordsTest, LanguagesWithoutSpacesSplitIntoCharacters) {
    EXPECT_EQ(words_of(split_words({11, 12, kEos}, "ja", kEos, decode)), (std::vector<std::string>{"\xE3\x81\x93", "\xE3\x82\x93", ""}));
}

TEST(SplitWordsTest, LeavesOutEverythingFromInvalidUtf8OnAsGenAIDoes) {
    EXPECT_EQ(words_of(split_words({1, 10, 9, kEos}, "en", kEos, decode)), (std::vector<std::string>{" Hello"}));
}

TEST(TimeWordsTest, AWordRunsFromItsFirstTokensRowToTheNextWordsRow) {
    const std::vector<WordTokens> words = {{" a", {1}}, {" bc", {2, 3}}, {"", {kEos}}};
    // Rows 0..3 are entered at frames 0, 2, 5, 9.
    const Path path = {{0, 0}, {0, 1}, {1, 2}, {1, 3}, {1, 4}, {2, 5}, {2, 6}, {2, 7}, {2, 8}, {3, 9}};
    const auto timings = time_words(words, path, {0.5f, 0.2f, 0.4f}, 0.02f, 10.0f);
    ASSERT_EQ(timings.size(), 2u) << "<|endoftext|> is not timed";
    EXPECT_EQ(timings[0].word, " a");
    EXPECT_FLOAT_EQ(timings[0].start, 10.0f);
    EXPECT_FLOAT_EQ(timings[0].end, 10.04f);
    EXPECT_FLOAT_EQ(timings[0].probability, 0.5f);
    EXPECT_EQ(timings[1].tokens, (std::vector<int64_t>{2, 3}));
    EXPECT_FLOAT_EQ(timings[1].start, 10.04f);
    EXPECT_FLOAT_EQ(timings[1].end, 10.18f);
    EXPECT_FLOAT_EQ(timings[1].probability, 0.3f);
}

WordTiming word(const std::string& text, float start, float end, std::vector<int64_t> tokens = {}) {
    return {text, start, end, std::move(tokens), 0.5f};
}

TEST(TruncateLongWordsTest, CutsLongWordsAtASentenceEndToTwiceTheMedian) {
    // Durations 0.2, 2, 2, 0.2: median 1.1, capped at 0.7, so words may last 1.4 s.
    std::vector<WordTiming> words = {word(" Hi", 0.0f, 0.2f), word(".", 0.2f, 2.2f), word(" Then", 2.2f, 4.2f), word(" go", 4.2f, 4.4f)};
    truncate_long_words(words);
    EXPECT_FLOAT_EQ(words[1].start, 0.2f);
    EXPECT_FLOAT_EQ(words[1].end, 1.6f) << "a long sentence mark keeps its start";
    EXPECT_FLOAT_EQ(words[2].start, 2.8f) << "a long word after a sentence mark keeps its end";
    EXPECT_FLOAT_EQ(words[2].end, 4.2f);
    EXPECT_FLOAT_EQ(words[3].start, 4.2f);
}

TEST(TruncateLongWordsTest, LeavesLongWordsInsideASentence) {
    std::vector<WordTiming> words = {word(" Hi", 0.0f, 0.2f), word(" there", 0.2f, 3.0f), word(" you", 3.0f, 3.2f)};
    truncate_long_words(words);
    EXPECT_FLOAT_EQ(words[1].start, 0.2f);
    EXPECT_FLOAT_EQ(words[1].end, 3.0f);
}

TEST(MergePunctuationsTest, JoinsOpeningMarksForwardAndClosingMarksBackward) {
    const auto merged = merge_punctuations({word(" (", 0.0f, 0.1f, {1}), word("hi", 0.1f, 0.5f, {2}), word(")", 0.5f, 0.6f, {3}),
                                            word(" you", 0.6f, 1.0f, {4}), word(".", 1.0f, 1.1f, {5})});
    ASSERT_EQ(merged.size(), 2u);
    EXPECT_EQ(merged[0].word, " (hi)");
    EXPECT_EQ(merged[0].tokens, (std::vector<int64_t>{1, 2, 3}));
    EXPECT_FLOAT_EQ(merged[0].start, 0.1f) << "the word keeps its own time";
    EXPECT_FLOAT_EQ(merged[0].end, 0.5f);
    EXPECT_EQ(merged[1].word, " you.");
    EXPECT_EQ(merged[1].tokens, (std::vector<int64_t>{4, 5}));
}

TEST(MergePunctuationsTest, KeepsMarksAfterASpaceAndMultibyteClosingMarksAsGenAIDoes) {
    const auto merged = merge_punctuations({word(" a ", 0, 1), word(".", 1, 2), word(" \xE5\xA5\xBD", 2, 3), word("\xE3\x80\x82", 3, 4)});
    ASSERT_EQ(merged.size(), 4u);
    EXPECT_EQ(merged[1].word, ".");
    EXPECT_EQ(merged[3].word, "\xE3\x80\x82");
}

}  // namespace
