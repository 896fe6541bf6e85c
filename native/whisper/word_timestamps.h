#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <openvino/runtime/tensor.hpp>

#include "whisper/transcription.h"
#include "whisper/whisper_config.h"
#include "whisper/whisper_decoder.h"
#include "whisper/whisper_tokenizer.h"

namespace ovspeech::whisper {

// Word timing as OpenVINO GenAI computes it (after openai-whisper's timing.py): a teacher-forced
// decoder pass gives the alignment heads' cross-attention scores of every token over the encoder
// frames; dynamic time warping through them tells when each token starts. Every step below uses
// GenAI's float arithmetic, so the same scores give the same path.

struct Matrix {
    size_t rows;
    size_t cols;
    std::vector<float> values;  // row-major

    Matrix(size_t rows, size_t cols) : rows(rows), cols(cols), values(rows * cols) {}
    float& at(size_t row, size_t col) { return values[row * cols + col]; }
    float at(size_t row, size_t col) const { return values[row * cols + col]; }
};

// Each row's running median over `width` columns (odd). Near the ends the window keeps only the
// columns inside the row, and an even count averages its two middle values (GenAI; openai-whisper
// reflects the row instead).
Matrix median_filter(const Matrix& matrix, size_t width);

// The DTW cost of aligning tokens to frames, from each alignment head's scores [tokens x frames]:
// softmax over frames, standardized over tokens, median filter of width 7, mean over heads, negated.
// Rows before `first_row` and the last row are dropped (the start tokens and <|endoftext|>).
Matrix alignment_cost(std::vector<Matrix> head_scores, size_t first_row);

// The cheapest path through `cost` from (0, 0) to (rows - 1, cols - 1), stepping down, right or
// diagonally, as (row, col) pairs in order. A diagonal step is taken only when strictly cheapest,
// then a step down, else right (openai-whisper's rule). Empty for an empty matrix.
std::vector<std::pair<size_t, size_t>> dtw_path(const Matrix& cost);

struct WordTokens {
    std::string word;
    std::vector<int64_t> tokens;
};

using Detokenize = std::function<std::string(const std::vector<int64_t>&)>;

// Groups [text tokens..., <|endoftext|>] into whole characters, then, except for languages written
// without spaces (zh, ja, th, lo, my, yue), into words: a character starting with a space, made of one
// ASCII punctuation mark or of a special token starts a new word. As in GenAI, a character closes
// only once its text has no U+FFFD: from a token sequence that is not valid UTF-8 on, every token,
// <|endoftext|> included, is left out.
std::vector<WordTokens> split_words(const std::vector<int64_t>& tokens, const std::string& language, int64_t eos_token_id,
                                    const Detokenize& decode);

// Times the words from the DTW path over rows [text tokens..., <|endoftext|>]: a word starts when the
// path enters the row of its first token and ends when it enters the row after its last. The last
// word is taken for <|endoftext|> and is not timed (as in GenAI, also when split_words left it out).
// `token_probabilities` has one entry per text token; a word's probability is the mean of its tokens'.
std::vector<WordTiming> time_words(const std::vector<WordTokens>& words, const std::vector<std::pair<size_t, size_t>>& path,
                                   const std::vector<float>& token_probabilities, float seconds_per_frame, float time_offset);

// Words next to a sentence end that last over twice the median word duration (at most 1.4 s) are cut
// to that length, keeping the end that touches the sentence boundary.
void truncate_long_words(std::vector<WordTiming>& words);

// Opening punctuation (" (", " \"", ...) joins the word after it and closing punctuation (".", ",",
// ...) the word before it, taking its tokens but not its time; emptied words are dropped.
std::vector<WordTiming> merge_punctuations(std::vector<WordTiming> words);

struct WordAlignmentWindow {
    const ov::Tensor& encoder_hidden_states;
    const std::vector<int64_t>& start_tokens;   // <|startoftranscript|>, language, task (no prompt)
    const std::vector<int64_t>& window_tokens;  // everything decoded in the window; its text tokens are timed
    const std::string& language;                // "en"
    size_t audio_positions;                     // encoder frames that hold audio; the path stays within them
    float seconds_per_position;                 // 0.02 s per encoder frame
    float time_offset;                          // the window's start, seconds
};

// Times the words of one window's text tokens with a teacher-forced pass over [start tokens,
// <|notimestamps|>, text tokens, <|endoftext|>] on a decoder from WhisperModel::compile_word_decoder().
// Resets the decoder.
std::vector<WordTiming> align_words(WhisperDecoder& decoder, WhisperTokenizer& tokenizer, const WhisperConfig& config,
                                    const WordAlignmentWindow& window);

}  // namespace ovspeech::whisper
