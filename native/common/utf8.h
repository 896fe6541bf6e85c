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

}  // namespace ovspeech
