#include "whisper/word_timestamps.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <set>

#include "whisper/cross_attention_scores.h"

namespace ovspeech::whisper {
namespace {

constexpr size_t kMedianFilterWidth = 7;

void softmax_rows(Matrix& matrix) {
    for (size_t row = 0; row < matrix.rows; ++row) {
        float max = -std::numeric_limits<float>::infinity();
        for (size_t col = 0; col < matrix.cols; ++col) max = std::max(max, matrix.at(row, col));
        float sum = 0.0f;
        for (size_t col = 0; col < matrix.cols; ++col) {
            matrix.at(row, col) = std::exp(matrix.at(row, col) - max);
            sum += matrix.at(row, col);
        }
        for (size_t col = 0; col < matrix.cols; ++col) matrix.at(row, col) /= sum;
    }
}

// (x - mean) / std over each column, the population std floored at 1e-6.
void standardize_columns(Matrix& matrix) {
    const auto rows = static_cast<float>(matrix.rows);
    for (size_t col = 0; col < matrix.cols; ++col) {
        float sum = 0.0f;
        for (size_t row = 0; row < matrix.rows; ++row) sum += matrix.at(row, col);
        const float mean = sum / rows;
        float squares = 0.0f;
        for (size_t row = 0; row < matrix.rows; ++row) {
            const float deviation = matrix.at(row, col) - mean;
            squares += deviation * deviation;
        }
        const float std = std::max(std::sqrt(squares / rows), 1e-6f);
        for (size_t row = 0; row < matrix.rows; ++row) matrix.at(row, col) = (matrix.at(row, col) - mean) / std;
    }
}

std::string trimmed(const std::string& text) {
    const auto space = [](unsigned char c) { return std::isspace(c) != 0; };
    const auto first = std::find_if_not(text.begin(), text.end(), space);
    const auto last = std::find_if_not(text.rbegin(), text.rend(), space).base();
    return first < last ? std::string(first, last) : std::string();
}

// Token groups that each decode to whole characters. As in GenAI, a group closes only when its text
// has no U+FFFD, so a group that never decodes cleanly (invalid UTF-8 from the model) never closes.
// (GenAI means to close it when the whole text has U+FFFD there too, as openai-whisper does, but
// compares one byte with the three of U+FFFD.)
std::vector<WordTokens> split_characters(const std::vector<int64_t>& tokens, const Detokenize& decode) {
    static const std::string replacement = "\xEF\xBF\xBD";
    std::vector<WordTokens> groups;
    WordTokens group;
    for (const int64_t token : tokens) {
        group.tokens.push_back(token);
        group.word = decode(group.tokens);
        if (group.word.find(replacement) == std::string::npos) {
            groups.push_back(std::move(group));
            group = WordTokens();
        }
    }
    return groups;
}

std::vector<WordTokens> split_on_spaces(std::vector<WordTokens> groups, int64_t eos_token_id) {
    std::vector<WordTokens> words;
    for (WordTokens& group : groups) {
        const bool special = group.tokens.front() >= eos_token_id;
        const bool space = !group.word.empty() && std::isspace(static_cast<unsigned char>(group.word[0]));
        const std::string bare = trimmed(group.word);
        const bool punctuation = bare.size() == 1 && std::ispunct(static_cast<unsigned char>(bare[0]));
        if (words.empty() || special || space || punctuation) {
            words.push_back(std::move(group));
        } else {
            words.back().word += group.word;
            words.back().tokens.insert(words.back().tokens.end(), group.tokens.begin(), group.tokens.end());
        }
    }
    return words;
}

// `marks` holds `word` (as a substring: openai-whisper's `word in marks`).
bool is_one_of(const std::string& word, const std::string& marks) {
    return !word.empty() && marks.find(word) != std::string::npos;
}

Matrix head_scores(WhisperDecoder& decoder, size_t layer, size_t head, size_t frames) {
    const ov::Tensor scores = decoder.request().get_tensor(cross_attention_scores_output(layer));
    const ov::Shape& shape = scores.get_shape();  // [1, heads, tokens, encoder frames]
    Matrix matrix(shape[2], std::min(frames, shape[3]));
    const float* data = scores.data<const float>() + head * shape[2] * shape[3];
    for (size_t row = 0; row < matrix.rows; ++row) std::memcpy(&matrix.at(row, 0), data + row * shape[3], matrix.cols * sizeof(float));
    return matrix;
}

// The probability of each token in `logits` [1, tokens, vocab] (one row per token, the row that
// predicts it) among the text tokens (those before <|endoftext|>).
std::vector<float> text_token_probabilities(const ov::Tensor& logits, const std::vector<int64_t>& text, int64_t eos_token_id) {
    const size_t vocab = logits.get_shape().back();
    const auto text_vocab = static_cast<size_t>(eos_token_id);
    std::vector<float> probabilities;
    for (size_t i = 0; i < logits.get_shape()[1]; ++i) {
        const float* row = logits.data<const float>() + i * vocab;
        const float max = *std::max_element(row, row + text_vocab);
        double sum = 0;
        for (size_t token = 0; token < text_vocab; ++token) sum += std::exp(static_cast<double>(row[token]) - max);
        probabilities.push_back(static_cast<float>(std::exp(static_cast<double>(row[text[i]]) - max) / sum));
    }
    return probabilities;
}

}  // namespace

Matrix median_filter(const Matrix& matrix, size_t width) {
    const size_t half = width / 2;
    Matrix filtered(matrix.rows, matrix.cols);
    std::vector<float> window;
    for (size_t row = 0; row < matrix.rows; ++row) {
        for (size_t col = 0; col < matrix.cols; ++col) {
            window.clear();
            for (size_t other = col >= half ? col - half : 0; other <= col + half && other < matrix.cols; ++other) {
                window.push_back(matrix.at(row, other));
            }
            std::sort(window.begin(), window.end());
            const size_t mid = window.size() / 2;
            filtered.at(row, col) = window.size() % 2 == 1 ? window[mid] : (window[mid - 1] + window[mid]) / 2.0f;
        }
    }
    return filtered;
}

Matrix alignment_cost(std::vector<Matrix> head_scores, size_t first_row) {
    for (Matrix& head : head_scores) {
        softmax_rows(head);
        standardize_columns(head);
        head = median_filter(head, kMedianFilterWidth);
    }
    const size_t rows = head_scores.front().rows;
    const size_t cols = head_scores.front().cols;
    Matrix cost(rows - first_row - 1, cols);
    for (size_t row = 0; row < cost.rows; ++row) {
        for (size_t col = 0; col < cols; ++col) {
            float sum = 0.0f;
            for (const Matrix& head : head_scores) sum += head.at(first_row + row, col);
            cost.at(row, col) = -sum / static_cast<float>(head_scores.size());
        }
    }
    return cost;
}

std::vector<std::pair<size_t, size_t>> dtw_path(const Matrix& cost) {
    if (cost.rows == 0 || cost.cols == 0) return {};
    enum Step : uint8_t { Diagonal, Down, Right };
    const size_t rows = cost.rows + 1;
    const size_t cols = cost.cols + 1;
    // total[i][j]: the cheapest path to (i - 1, j - 1); row and column 0 are the start's border.
    std::vector<float> total(rows * cols, std::numeric_limits<float>::infinity());
    std::vector<Step> step(rows * cols, Right);
    total[0] = 0.0f;
    for (size_t i = 1; i < rows; ++i) step[i * cols] = Down;
    for (size_t j = 1; j < cols; ++j) {
        for (size_t i = 1; i < rows; ++i) {
            const float diagonal = total[(i - 1) * cols + j - 1];
            const float down = total[(i - 1) * cols + j];
            const float right = total[i * cols + j - 1];
            float best = right;
            Step taken = Right;
            if (diagonal < down && diagonal < right) {
                best = diagonal;
                taken = Diagonal;
            } else if (down < diagonal && down < right) {
                best = down;
                taken = Down;
            }
            total[i * cols + j] = cost.at(i - 1, j - 1) + best;
            step[i * cols + j] = taken;
        }
    }
    std::vector<std::pair<size_t, size_t>> path;
    for (size_t i = rows - 1, j = cols - 1; i > 0 || j > 0;) {
        path.emplace_back(i > 0 ? i - 1 : 0, j > 0 ? j - 1 : 0);
        const Step taken = step[i * cols + j];
        if (taken != Right) --i;
        if (taken != Down) --j;
    }
    std::reverse(path.begin(), path.end());
    return path;
}

std::vector<WordTokens> split_words(const std::vector<int64_t>& tokens, const std::string& language, int64_t eos_token_id,
                                    const Detokenize& decode) {
    static const std::set<std::string> no_spaces = {"zh", "ja", "th", "lo", "my", "yue"};
    std::vector<WordTokens> characters = split_characters(tokens, decode);
    return no_spaces.count(language) ? characters : split_on_spaces(std::move(characters), eos_token_id);
}

std::vector<WordTiming> time_words(const std::vector<WordTokens>& words, const std::vector<std::pair<size_t, size_t>>& path,
                                   const std::vector<float>& token_probabilities, float seconds_per_frame, float time_offset) {
    std::vector<float> row_start;  // when the path enters each row
    for (size_t k = 0; k < path.size(); ++k) {
        if (k == 0 || path[k].first != path[k - 1].first) row_start.push_back(static_cast<float>(path[k].second) * seconds_per_frame);
    }
    std::vector<WordTiming> timings;
    size_t first = 0;
    for (size_t i = 0; i + 1 < words.size(); ++i) {
        const WordTokens& word = words[i];
        const size_t last = first + word.tokens.size();
        const float sum = std::accumulate(token_probabilities.begin() + first, token_probabilities.begin() + last, 0.0f);
        timings.push_back({word.word, row_start[first] + time_offset, row_start[last] + time_offset, word.tokens,
                           sum / static_cast<float>(word.tokens.size())});
        first = last;
    }
    return timings;
}

void truncate_long_words(std::vector<WordTiming>& words) {
    std::vector<float> durations;
    for (const WordTiming& word : words) {
        if (word.end - word.start > 0.0f) durations.push_back(word.end - word.start);
    }
    if (durations.empty()) return;
    std::sort(durations.begin(), durations.end());
    const size_t mid = durations.size() / 2;
    const float median = durations.size() % 2 == 1 ? durations[mid] : (durations[mid - 1] + durations[mid]) / 2.0f;
    const float max_duration = std::min(0.7f, median) * 2.0f;
    static const std::string sentence_ends = ".。!！?？";
    for (size_t i = 1; i < words.size(); ++i) {
        if (words[i].end - words[i].start <= max_duration) continue;
        if (is_one_of(words[i].word, sentence_ends))
            words[i].end = words[i].start + max_duration;
        else if (is_one_of(words[i - 1].word, sentence_ends))
            words[i].start = words[i].end - max_duration;
    }
}

std::vector<WordTiming> merge_punctuations(std::vector<WordTiming> words) {
    static const std::string opening = "\"'“¿([{-";
    static const std::string closing = "\"'.。,，!！?？:：”)]}、";
    if (words.size() >= 2) {
        for (size_t i = words.size() - 1, next = words.size() - 1; i-- > 0;) {
            WordTiming& word = words[i];
            if (word.word.size() > 1 && word.word[0] == ' ' && is_one_of(word.word.substr(1), opening)) {
                words[next].word = word.word + words[next].word;
                words[next].tokens.insert(words[next].tokens.begin(), word.tokens.begin(), word.tokens.end());
                word.word.clear();
                word.tokens.clear();
            } else {
                next = i;
            }
        }
        // GenAI joins closing marks of one byte only: 。，！？：”、 stay words of their own.
        for (size_t previous = 0, i = 1; i < words.size(); ++i) {
            WordTiming& word = words[i];
            if (!words[previous].word.empty() && words[previous].word.back() != ' ' && word.word.size() == 1 &&
                is_one_of(word.word, closing)) {
                words[previous].word += word.word;
                words[previous].tokens.insert(words[previous].tokens.end(), word.tokens.begin(), word.tokens.end());
                word.word.clear();
                word.tokens.clear();
            } else {
                previous = i;
            }
        }
    }
    words.erase(std::remove_if(words.begin(), words.end(), [](const WordTiming& word) { return word.word.empty(); }), words.end());
    return words;
}

std::vector<WordTiming> align_words(WhisperDecoder& decoder, WhisperTokenizer& tokenizer, const WhisperConfig& config,
                                    const WordAlignmentWindow& window) {
    std::vector<int64_t> text;  // the text tokens and <|endoftext|>
    for (const int64_t token : window.window_tokens) {
        if (token < config.eos_token_id) text.push_back(token);
    }
    if (text.empty()) return {};
    text.push_back(config.eos_token_id);

    std::vector<int64_t> tokens = window.start_tokens;
    tokens.push_back(config.no_timestamps_token_id);
    tokens.insert(tokens.end(), text.begin(), text.end());
    // The position of <|notimestamps|> predicts the first text token.
    std::vector<int64_t> positions(text.size() - 1);
    std::iota(positions.begin(), positions.end(), static_cast<int64_t>(window.start_tokens.size()));

    decoder.set_logit_positions(positions);
    decoder.start(window.encoder_hidden_states, tokens);
    decoder.wait();
    // At least one frame, so that audio shorter than one encoder frame still aligns (GenAI's path is
    // empty there).
    const size_t frames = std::max<size_t>(window.audio_positions, 1);
    std::vector<Matrix> heads;
    for (const auto& [layer, head] : config.alignment_heads) heads.push_back(head_scores(decoder, layer, head, frames));
    const std::vector<float> probabilities = text_token_probabilities(decoder.position_logits(), text, config.eos_token_id);
    decoder.set_logit_positions({});
    decoder.reset();

    const auto path = dtw_path(alignment_cost(std::move(heads), window.start_tokens.size()));
    const auto words =
        split_words(text, window.language, config.eos_token_id, [&](const std::vector<int64_t>& ids) { return tokenizer.decode(ids); });
    std::vector<WordTiming> timings = time_words(words, path, probabilities, window.seconds_per_position, window.time_offset);
    truncate_long_words(timings);
    return merge_punctuations(std::move(timings));
}

}  // namespace ovspeech::whisper
