#include "addon/sentence_ends.h"

#include <cmath>
#include <optional>
#include <string>

#include "addon/addon_state.h"
#include "common/utf8.h"
#include "tts/sentence_splitter.h"

namespace ovspeech::addon {

namespace {

// The UTF-16 length of the first `bytes` bytes of UTF-8 text, which V8 made from the JS string (a lone
// surrogate became U+FFFD, one unit as it was).
size_t utf16_length(const std::string& text, size_t bytes) {
    size_t units = 0;
    for (size_t i = 0; i < bytes;) {
        const Utf8CodePoint c = decode_utf8(text, i);
        units += c.valid && c.value >= 0x10000 ? 2 : 1;
        i += c.length;
    }
    return units;
}

}  // namespace

Napi::Value next_sentence_end(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) throw addon_state(env).make_error(env, ErrorCode::InvalidArgument, "Expected string for text");
    const std::string text = info[0].As<Napi::String>().Utf8Value();
    const double max_characters = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : NAN;
    if (!(max_characters >= 1 && max_characters <= 1e9 && std::floor(max_characters) == max_characters)) {
        throw addon_state(env).make_error(env, ErrorCode::InvalidArgument, "Expected integer between 1 and 1000000000 for maxCharacters");
    }
    if (!info[2].IsBoolean()) throw addon_state(env).make_error(env, ErrorCode::InvalidArgument, "Expected boolean for final");
    const std::optional<size_t> end =
        tts::next_sentence_end(text, static_cast<size_t>(max_characters), info[2].As<Napi::Boolean>().Value());
    return Napi::Number::New(env, static_cast<double>(end ? utf16_length(text, *end) : 0));
}

}  // namespace ovspeech::addon
