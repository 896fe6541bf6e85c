#pragma once

#include <cstddef>
#include <string_view>

namespace ovspeech {

struct Utf8CodePoint {
    char32_t value;  // the code point; for an invalid byte, the byte itself
    size_t length;   // bytes it takes (1 for an invalid byte)
    bool valid;
};

// The code point starting at byte `i` of UTF-8 text. A byte that does not start a well-formed sequence
// is one invalid code point, so that callers can step over malformed text byte by byte.
Utf8CodePoint decode_utf8(std::string_view text, size_t i);

// Unicode line breaks: LF, CR, VT, FF, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
inline bool is_line_break(char32_t c) {
    return c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0x85 || c == 0x2028 || c == 0x2029;
}

// Unicode white space (the line breaks, tab and the space separators), as text is split and spelled out.
inline bool is_space(char32_t c) {
    return c == ' ' || c == '\t' || is_line_break(c) || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

}  // namespace ovspeech
