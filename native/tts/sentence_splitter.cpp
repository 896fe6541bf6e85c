#include "tts/sentence_splitter.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "common/error.h"
#include "common/utf8.h"

namespace ovspeech::tts {

namespace {

// One code point and the bytes it came from.
struct Character {
    char32_t value;
    size_t begin;
    size_t end;
};

constexpr char32_t kInvalid = 0xFFFD;

// Decodes UTF-8; a byte that does not start a well-formed sequence becomes one kInvalid character.
std::vector<Character> decode(const std::string& text) {
    std::vector<Character> characters;
    characters.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const Utf8CodePoint c = decode_utf8(text, i);
        characters.push_back({c.valid ? c.value : kInvalid, i, i + c.length});
        i += c.length;
    }
    return characters;
}

// Full-width sentence ends of CJK text, which puts no space after them.
bool is_wide_terminator(char32_t c) {
    return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF0E || c == 0xFF61;
}

bool is_terminator(char32_t c) {
    switch (c) {
        case '.':
        case '!':
        case '?':
        case 0x2026:  // …
        case 0x203C:
        case 0x2047:
        case 0x2048:
        case 0x2049:  // ‼ ⁇ ⁈ ⁉
            return true;
        default:
            return is_wide_terminator(c);
    }
}

// Quotes and brackets that close after a sentence's end and belong to it.
bool is_closing(char32_t c) {
    switch (c) {
        case '"':
        case '\'':
        case ')':
        case ']':
        case '}':
        case 0x00BB:
        case 0x2019:
        case 0x201D:
        case 0x203A:
        case 0x3009:
        case 0x300B:
        case 0x300D:
        case 0x300F:
        case 0x3011:
        case 0x3015:
        case 0x3017:
        case 0xFF02:
        case 0xFF07:
        case 0xFF09:
        case 0xFF3D:
        case 0xFF5D:
            return true;
        default:
            return false;
    }
}

// Dashes and CJK clause marks end a clause even without a space after them.
bool breaks_without_space(char32_t c) {
    return c == 0x2013 || c == 0x2014 || c == 0x3001 || c == 0xFF0C || c == 0xFF1A || c == 0xFF1B;
}

bool is_clause_mark(char32_t c) {
    return c == ',' || c == ';' || c == ':' || breaks_without_space(c);
}

bool is_ascii_lower(char32_t c) {
    return c >= 'a' && c <= 'z';
}
bool is_ascii_upper(char32_t c) {
    return c >= 'A' && c <= 'Z';
}
bool is_ascii_letter(char32_t c) {
    return is_ascii_lower(c) || is_ascii_upper(c);
}
bool is_ascii_digit(char32_t c) {
    return c >= '0' && c <= '9';
}

// Whether a word may start right after `c`: a space, ASCII punctuation or a quote or bracket.
bool starts_word_after(char32_t c) {
    const bool opening_quote = c == 0x00AB || c == 0x2018 || c == 0x201C || c == 0x2039;
    return is_space(c) || (c < 0x80 && !is_ascii_letter(c) && !is_ascii_digit(c)) || is_closing(c) || opening_quote;
}

// Abbreviations that are followed by a name or a phrase, not by the end of a sentence (lowercase, without
// their final period).
constexpr std::string_view kTitleAbbreviations[] = {"mr", "mrs", "ms", "dr", "prof", "st", "vs", "e.g", "i.e", "cf"};

// The pieces of a text: sentences, and cuts of those longer than max_chars. A piece keeps the white space
// after it, so the pieces concatenate to the text.
class SentenceScanner {
public:
    SentenceScanner(const std::string& text, size_t max_chars) : characters_(decode(text)), max_chars_(max_chars) {}

    size_t size() const { return characters_.size(); }

    // Byte offset of character `index` (the text's size at its end).
    size_t byte_offset(size_t index, size_t text_size) const { return index < characters_.size() ? characters_[index].begin : text_size; }

    // The character after the piece that starts at `begin`, or nothing while the text seen so far cannot tell
    // (unless `final`: then what is left is one piece).
    std::optional<size_t> piece_end(size_t begin, bool final) const {
        const size_t n = characters_.size();
        size_t content_end = n;  // where the sentence's text ends, before the white space after it
        std::optional<size_t> end;
        bool undecided = false;
        const size_t first = skip_spaces(begin, n);
        for (size_t i = begin; i < n && !end && !undecided;) {
            if (i >= first + max_chars_ && !is_space(characters_[i].value)) {
                // Longer than max_chars wherever it ends: no need to look further for its end.
                return skip_spaces(cut_point(first, first + max_chars_), i);
            }
            if (is_line_break(characters_[i].value)) {
                content_end = i;
                end = i + 1;
                break;
            }
            if (!is_terminator(characters_[i].value)) {
                ++i;
                continue;
            }
            size_t after = i;
            bool wide = false;
            while (after < n && is_terminator(characters_[after].value)) {
                wide = wide || is_wide_terminator(characters_[after].value);
                ++after;
            }
            const bool lone_period = after - i == 1 && characters_[i].value == '.';
            while (after < n && is_closing(characters_[after].value)) {
                ++after;
            }
            if (after == n && !final) {
                undecided = true;  // more terminators or closing marks may follow
                break;
            }
            if (!wide && after < n && !is_space(characters_[after].value)) {
                i = after;  // "3.5", "e.g.," or "example.com"
                continue;
            }
            const size_t next = skip_blanks(after);
            if (next < n && is_line_break(characters_[next].value)) {
                content_end = after;  // ends here, or at the line break: either way the piece takes the line break
                end = next + 1;
                break;
            }
            const std::optional<bool> ends = wide ? true : ends_sentence(i, next, lone_period, final);
            if (!ends || (next == n && !final)) {
                undecided = true;  // the white space may go on, or the next word decides
                break;
            }
            if (*ends) {
                content_end = after;
                end = next;
            }
            i = after;
        }
        if (!end && final) end = n;
        // A sentence, or the start of one, longer than max_chars: cut it within max_chars, for good.
        const auto [content_first, last] = trim(begin, content_end);
        if (last - content_first > max_chars_) return skip_spaces(cut_point(content_first, content_first + max_chars_), last);
        if (!end || *end == begin) return std::nullopt;
        return end;
    }

    // [begin, end) without the white space at either end.
    std::pair<size_t, size_t> trim(size_t begin, size_t end) const {
        begin = skip_spaces(begin, end);
        while (end > begin && is_space(characters_[end - 1].value)) --end;
        return {begin, end};
    }

private:
    // Whether the terminators starting at `first` end a sentence, given the first character after them and
    // their white space, `next`; nothing when the text that would tell has not arrived.
    std::optional<bool> ends_sentence(size_t first, size_t next, bool lone_period, bool final) const {
        const size_t n = characters_.size();
        // A sentence does not start in lowercase: "approx. five", "\"Stop!\" she said", "Wait... what?"
        if (next < n && is_ascii_lower(characters_[next].value)) {
            return false;
        }
        if (!lone_period) {
            return true;
        }
        const std::string word = word_before(first);
        if (std::find(std::begin(kTitleAbbreviations), std::end(kTitleAbbreviations), word) != std::end(kTitleAbbreviations)) {
            return false;
        }
        if (word == "no" && next < n && is_ascii_digit(characters_[next].value)) {
            return false;
        }
        if (word.size() == 1 && is_ascii_upper(characters_[first - 1].value)) {
            // An initial, but "I." is the pronoun unless initials follow: "I. M. Pei".
            if (characters_[first - 1].value != 'I') return false;
            if (!final && may_become_initial(next)) return std::nullopt;
            return !is_initial_at(next);
        }
        return true;
    }

    // The ASCII letters and periods just before `index`, lowercased: "e.g" before the final period of "e.g.".
    std::string word_before(size_t index) const {
        size_t begin = index;
        while (begin > 0 && (is_ascii_letter(characters_[begin - 1].value) || characters_[begin - 1].value == '.')) {
            --begin;
        }
        if (begin > 0 && !starts_word_after(characters_[begin - 1].value)) {
            return {};  // part of something longer, such as "3.Mr" or "Grüße"
        }
        std::string word;
        for (size_t k = begin; k < index; ++k) {
            const auto c = static_cast<char>(characters_[k].value);
            word += is_ascii_upper(characters_[k].value) ? static_cast<char>(c - 'A' + 'a') : c;
        }
        return word;
    }

    // "X." followed by whitespace: a capital initial.
    bool is_initial_at(size_t index) const {
        return index + 2 < characters_.size() && is_ascii_upper(characters_[index].value) && characters_[index + 1].value == '.' &&
               is_space(characters_[index + 2].value);
    }

    // Whether the text, cut short at `index` + 2 or before, starts like an initial there.
    bool may_become_initial(size_t index) const {
        const size_t n = characters_.size();
        return index + 2 >= n && index < n && is_ascii_upper(characters_[index].value) &&
               (index + 1 == n || characters_[index + 1].value == '.');
    }

    size_t skip_spaces(size_t index, size_t end) const {
        while (index < end && is_space(characters_[index].value)) {
            ++index;
        }
        return index;
    }

    // Past white space other than line breaks.
    size_t skip_blanks(size_t index) const {
        while (index < characters_.size() && is_space(characters_[index].value) && !is_line_break(characters_[index].value)) {
            ++index;
        }
        return index;
    }

    // Where to end a piece that starts at `begin` (not a space) and may reach `limit` (inside the sentence).
    size_t cut_point(size_t begin, size_t limit) const {
        for (size_t cut = limit; cut > begin + 1; --cut) {
            const char32_t mark = characters_[cut - 1].value;
            if (is_clause_mark(mark) && (breaks_without_space(mark) || is_space(characters_[cut].value))) {
                return cut;
            }
        }
        for (size_t cut = limit; cut > begin; --cut) {
            if (is_space(characters_[cut].value)) {
                return cut;
            }
        }
        return limit;
    }

    std::vector<Character> characters_;
    size_t max_chars_;
};

void require_max_chars(size_t max_chars) {
    if (max_chars == 0) {
        throw Error(ErrorCode::InvalidArgument, "max_chars must be at least 1 to split text into sentences");
    }
}

}  // namespace

std::optional<size_t> next_sentence_end(const std::string& utf8_text, size_t max_chars, bool final) {
    require_max_chars(max_chars);
    const SentenceScanner scanner(utf8_text, max_chars);
    const std::optional<size_t> end = scanner.piece_end(0, final);
    if (!end) return std::nullopt;
    return scanner.byte_offset(*end, utf8_text.size());
}

std::vector<std::string> split_sentences(const std::string& utf8_text, size_t max_chars) {
    require_max_chars(max_chars);
    const SentenceScanner scanner(utf8_text, max_chars);
    std::vector<std::string> pieces;
    for (size_t begin = 0; begin < scanner.size();) {
        const size_t end = *scanner.piece_end(begin, true);
        const auto [first, last] = scanner.trim(begin, end);
        if (last > first) {
            const size_t first_byte = scanner.byte_offset(first, utf8_text.size());
            pieces.push_back(utf8_text.substr(first_byte, scanner.byte_offset(last, utf8_text.size()) - first_byte));
        }
        begin = end;
    }
    return pieces;
}

namespace {

size_t count_characters(const std::string& text) {
    size_t characters = 0;
    for (size_t i = 0; i < text.size(); ++characters) i += decode_utf8(text, i).length;
    return characters;
}

// The pieces of `text` (of `tokens` tokens, more than `max_tokens`) under a character budget in proportion
// to the tokens it may have; while a piece is still too long, the whole text again under a budget cut in
// proportion to that piece's excess. Each budget is below the last, so it ends, at one character per piece
// if need be; one budget for the whole text keeps the pieces even.
std::vector<TokenizedPiece> fit(const std::string& text, size_t tokens, size_t max_tokens,
                                const std::function<std::vector<int64_t>(const std::string&)>& tokenize) {
    const size_t characters = count_characters(text);
    size_t budget = std::min(characters - 1, characters * max_tokens / tokens);
    while (true) {
        if (budget == 0) {
            throw Error(ErrorCode::InvalidArgument,
                        "input has a character that takes more than " + std::to_string(max_tokens) + " tokens, all the model takes at once",
                        "input");
        }
        std::vector<TokenizedPiece> pieces;
        std::optional<size_t> smaller_budget;
        for (std::string& piece : split_sentences(text, budget)) {
            std::vector<int64_t> piece_tokens = tokenize(piece);
            if (piece_tokens.size() > max_tokens) {
                smaller_budget = std::min(budget - 1, count_characters(piece) * max_tokens / piece_tokens.size());
                break;
            }
            pieces.push_back({std::move(piece), std::move(piece_tokens)});
        }
        if (!smaller_budget) return pieces;
        budget = *smaller_budget;
    }
}

}  // namespace

std::vector<TokenizedPiece> split_to_fit(const std::string& utf8_text, size_t max_tokens,
                                         const std::function<std::vector<int64_t>(const std::string&)>& tokenize) {
    std::vector<int64_t> tokens = tokenize(utf8_text);
    if (tokens.size() <= max_tokens) return {{utf8_text, std::move(tokens)}};
    return fit(utf8_text, tokens.size(), max_tokens, tokenize);
}

}  // namespace ovspeech::tts
