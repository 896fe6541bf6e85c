#pragma once

#include <napi.h>

namespace ovspeech::addon {

// nextSentenceEnd(text, maxCharacters, final): tts::next_sentence_end() for a JS string, synchronous (the
// text is a chat reply's pending sentence, short): the index in `text` (UTF-16 code units) just after its
// first piece, 0 while there is none yet.
Napi::Value next_sentence_end(const Napi::CallbackInfo& info);

}  // namespace ovspeech::addon
