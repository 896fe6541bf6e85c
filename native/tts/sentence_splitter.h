#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ovspeech::tts {

// Splits text into sentences (. ! ? … and their runs, closing quotes/brackets kept with the sentence;
// not after common abbreviations like "Mr." "Dr." "e.g." or inside decimals "3.5" or initials "J. R. R."),
// then splits any sentence longer than max_chars at clause boundaries (; : , — –) and, failing that, at
// word boundaries; never inside a word or a UTF-8 character. Drops empty pieces, trims whitespace.
//
// Details of the rules:
// - Lengths count Unicode code points. Every line break ends a sentence too (a heading, a list item, a
//   paragraph); CJK 。！？ end one without a following space, the others only before whitespace or the end.
// - No sentence ends before a word that starts with a lowercase letter ("approx. five", "\"Stop!\" she said",
//   "Wait... what?"). A lone "." is no sentence end after a title-like abbreviation (Mr Mrs Ms Dr Prof St vs
//   e.g i.e cf; "No" before a digit) or after a single capital letter, an initial; "I." ends a sentence
//   unless another initial follows ("I. M. Pei").
// - A sentence longer than max_chars is cut after the last clause mark that keeps the piece within
//   max_chars (, ; : only before whitespace, so "1,000" and "10:45" stay whole; dashes and CJK 、，；：
//   anywhere), else at the last whitespace within max_chars. A word longer than max_chars on its own (no
//   whitespace in reach) is the last resort: it is cut every max_chars code points, as CJK text without
//   punctuation is.
// - Bytes that are not valid UTF-8 pass through, each counting as one character.
// Throws Error(InvalidArgument) when max_chars is 0.
std::vector<std::string> split_sentences(const std::string& utf8_text, size_t max_chars);

// The same rules for text that arrives in pieces (a chat reply as it streams): the byte offset just after
// the first piece of `utf8_text`, white space after it included up to and including a line break, so that
// the pieces concatenate to the text; split_sentences() gives them trimmed, empty ones dropped. Nothing
// while the text so far cannot tell where that piece ends: an end is decided only once the text after it
// has arrived (past the white space, e.g. the next word's first letter for the lowercase rule), unless
// `final` says no more is coming, when what is left is one piece. A piece that has grown beyond max_chars
// is cut as split_sentences() cuts it, before its end arrives. Nothing for empty text. Throws
// Error(InvalidArgument) when max_chars is 0.
std::optional<size_t> next_sentence_end(const std::string& utf8_text, size_t max_chars, bool final);

// A piece of text and the token ids a model reads for it.
struct TokenizedPiece {
    std::string text;
    std::vector<int64_t> tokens;
};

// Splits `utf8_text` into pieces of at most `max_tokens` tokens each as `tokenize` gives them (special
// tokens included), cutting where split_sentences() cuts a piece too long: after a clause mark, else at a
// space, else anywhere between characters. Text that fits is one piece, tokenized once; each piece comes
// with its tokens, so that none is tokenized again. Throws Error(InvalidArgument) when a single character
// takes more than `max_tokens` tokens.
std::vector<TokenizedPiece> split_to_fit(const std::string& utf8_text, size_t max_tokens,
                                         const std::function<std::vector<int64_t>(const std::string&)>& tokenize);

}  // namespace ovspeech::tts
