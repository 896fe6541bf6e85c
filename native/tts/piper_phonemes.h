#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/child_process.h"

namespace ovspeech::tts {

// A piece of text that espeak-ng phonemizes on its own, and the punctuation Piper writes after its
// phonemes: "." "?" "!" (a sentence's end), ", " ": " "; " (a clause's), or nothing.
struct Clause {
    std::string text;
    std::string terminator;
};

// Cuts text where espeak-ng ends a clause at punctuation, after a run of . , ? ! : ; followed by white
// space or the end ("3.5" and "1,000" stay whole). Each clause's terminator is the mark just before that
// white space, as Piper reads it; text without a mark at its end is a clause without one.
std::vector<Clause> split_clauses(const std::string& text);

// A voice's phoneme_id_map: each phoneme (one code point) to its ids, with Piper's special symbols.
class PhonemeIdMap {
public:
    // From an .onnx.json's phoneme_id_map (and phoneme_map, phonemes to put in place of others); throws
    // Error(UNSUPPORTED_MODEL) naming `where` when it is malformed or lacks "^", "$" or "_".
    static PhonemeIdMap from_json(const nlohmann::json& config, const std::string& where);

    // Piper's ids for a phoneme string (UTF-8): "^", "_", then each phoneme's ids followed by "_"'s, then
    // "$". Phonemes the map does not know are left out, as Piper leaves them out.
    std::vector<int64_t> ids(const std::string& phonemes) const;

private:
    std::map<char32_t, std::vector<int64_t>> ids_;
    std::map<char32_t, std::u32string> replacements_;  // phoneme_map
};

// espeak-ng's IPA for text with Piper's conventions: clause by clause, each clause's lines joined with a
// space, its terminator appended, and language switch flags such as "(fr)" left out. espeak-ng runs as a
// program (GPL-3.0; never linked), text on its standard input.
class EspeakPhonemizer {
public:
    explicit EspeakPhonemizer(std::string voice, std::string program = "espeak-ng", ProgramLimits limits = {});

    // The phonemes of `text`; empty when espeak-ng finds nothing to say. Throws Error: INTERNAL (espeak-ng
    // missing, failing, too slow or too verbose, naming it).
    std::string phonemize(const std::string& text) const;

    // Runs espeak-ng once with the voice, so that a model without it fails at load, not at its first
    // request. Throws Error(UNSUPPORTED_MODEL) saying what to install or which voice is missing.
    void check() const;

private:
    std::string voice_;
    std::string program_;
    ProgramLimits limits_;
};

}  // namespace ovspeech::tts
