#include "tts/piper_phonemes.h"

#include "common/error.h"
#include "common/utf8.h"

namespace ovspeech::tts {
namespace {

// What Piper writes after a clause that ends with `mark`; empty when `mark` ends no clause.
std::string terminator_for(char32_t mark) {
    switch (mark) {
        case '.':
            return ".";
        case '?':
            return "?";
        case '!':
            return "!";
        case ',':
            return ", ";
        case ':':
            return ": ";
        case ';':
            return "; ";
        default:
            return "";
    }
}

bool blank(const std::string& text) {
    for (size_t i = 0; i < text.size();) {
        const Utf8CodePoint c = decode_utf8(text, i);
        if (!is_space(c.value)) return false;
        i += c.length;
    }
    return true;
}

std::u32string code_points(const std::string& text) {
    std::u32string points;
    for (size_t i = 0; i < text.size();) {
        const Utf8CodePoint c = decode_utf8(text, i);
        points.push_back(c.value);
        i += c.length;
    }
    return points;
}

// The one code point of a phoneme_id_map or phoneme_map key.
char32_t single_code_point(const std::string& key, const std::string& where) {
    const std::u32string points = code_points(key);
    if (points.size() != 1) {
        throw Error(ErrorCode::UnsupportedModel, where + " has the phoneme \"" + key + "\", which is not one character");
    }
    return points.front();
}

std::vector<int64_t> integer_list(const nlohmann::json& value, const std::string& what) {
    if (!value.is_array() || value.empty()) throw Error(ErrorCode::UnsupportedModel, what + " is not a list of ids");
    std::vector<int64_t> ids;
    for (const nlohmann::json& id : value) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0) throw Error(ErrorCode::UnsupportedModel, what + " is not a list of ids");
        ids.push_back(id.get<int64_t>());
    }
    return ids;
}

// espeak-ng's lines for one clause, joined with spaces, without language switch flags ("(fr)").
std::string clause_phonemes(const std::string& output) {
    std::string joined;
    size_t start = 0;
    while (start < output.size()) {
        size_t end = output.find('\n', start);
        if (end == std::string::npos) end = output.size();
        std::string line = output.substr(start, end - start);
        start = end + 1;
        std::string kept;
        bool in_flag = false;
        for (char c : line) {
            if (in_flag) {
                in_flag = c != ')';
            } else if (c == '(') {
                in_flag = true;
            } else {
                kept += c;
            }
        }
        const size_t first = kept.find_first_not_of(" \t\r");
        if (first == std::string::npos) continue;
        const size_t last = kept.find_last_not_of(" \t\r");
        joined += (joined.empty() ? "" : " ") + kept.substr(first, last - first + 1);
    }
    return joined;
}

std::string missing_program_message(const std::string& program) {
    return "a Piper voice needs the " + program +
           " program to turn text into phonemes, and there is none on PATH (Debian: apt-get install espeak-ng)";
}

}  // namespace

std::vector<Clause> split_clauses(const std::string& text) {
    std::vector<Clause> clauses;
    size_t start = 0;
    for (size_t i = 0; i < text.size();) {
        const Utf8CodePoint c = decode_utf8(text, i);
        const size_t next = i + c.length;
        i = next;
        const std::string terminator = terminator_for(c.value);
        if (terminator.empty()) continue;
        if (next < text.size() && !is_space(decode_utf8(text, next).value)) continue;
        const std::string clause = text.substr(start, next - start);
        if (!blank(clause)) clauses.push_back({clause, terminator});
        start = next;
    }
    const std::string rest = text.substr(start);
    if (!blank(rest)) clauses.push_back({rest, ""});
    return clauses;
}

PhonemeIdMap PhonemeIdMap::from_json(const nlohmann::json& config, const std::string& where) {
    if (!config.is_object() || !config.contains("phoneme_id_map"))
        throw Error(ErrorCode::UnsupportedModel, where + " has no phoneme_id_map");
    const nlohmann::json& map = config["phoneme_id_map"];
    if (!map.is_object()) throw Error(ErrorCode::UnsupportedModel, where + " has a phoneme_id_map that is not an object");
    PhonemeIdMap result;
    for (const auto& [phoneme, ids] : map.items()) {
        result.ids_[single_code_point(phoneme, where)] = integer_list(ids, "phoneme_id_map[\"" + phoneme + "\"] in " + where);
    }
    for (const char* special : {"^", "$", "_"}) {
        if (result.ids_.count(static_cast<char32_t>(special[0])) == 0) {
            throw Error(ErrorCode::UnsupportedModel, where + "'s phoneme_id_map lacks \"" + special + "\"");
        }
    }
    const nlohmann::json replacements = config.value("phoneme_map", nlohmann::json::object());
    if (!replacements.is_object()) throw Error(ErrorCode::UnsupportedModel, where + " has a phoneme_map that is not an object");
    for (const auto& [phoneme, others] : replacements.items()) {
        std::u32string replacement;
        if (!others.is_array()) throw Error(ErrorCode::UnsupportedModel, "phoneme_map[\"" + phoneme + "\"] in " + where + " is not a list");
        for (const nlohmann::json& other : others) {
            if (!other.is_string())
                throw Error(ErrorCode::UnsupportedModel, "phoneme_map[\"" + phoneme + "\"] in " + where + " is not a list");
            replacement.push_back(single_code_point(other.get<std::string>(), where));
        }
        result.replacements_[single_code_point(phoneme, where)] = replacement;
    }
    return result;
}

std::vector<int64_t> PhonemeIdMap::ids(const std::string& phonemes) const {
    const std::vector<int64_t>& pad = ids_.at('_');
    std::vector<int64_t> ids = ids_.at('^');
    ids.insert(ids.end(), pad.begin(), pad.end());
    const auto add = [&](char32_t phoneme) {
        const auto known = ids_.find(phoneme);
        if (known == ids_.end()) return;
        ids.insert(ids.end(), known->second.begin(), known->second.end());
        ids.insert(ids.end(), pad.begin(), pad.end());
    };
    for (char32_t phoneme : code_points(phonemes)) {
        const auto replaced = replacements_.find(phoneme);
        if (replaced == replacements_.end()) {
            add(phoneme);
        } else {
            for (char32_t other : replaced->second) add(other);
        }
    }
    const std::vector<int64_t>& end = ids_.at('$');
    ids.insert(ids.end(), end.begin(), end.end());
    return ids;
}

EspeakPhonemizer::EspeakPhonemizer(std::string voice, std::string program, ProgramLimits limits)
    : voice_(std::move(voice)), program_(std::move(program)), limits_(limits) {}

std::string EspeakPhonemizer::phonemize(const std::string& text) const {
    std::string phonemes;
    bool any = false;
    for (const Clause& clause : split_clauses(text)) {
        ProgramOutput result;
        try {
            result = run_program(program_, {"-q", "--ipa", "-b", "1", "-v", voice_, "--stdin"}, clause.text, limits_);
        } catch (const ProgramError& e) {
            if (e.failure() == ProgramFailure::NotFound) throw Error(ErrorCode::Internal, missing_program_message(program_));
            throw;
        }
        if (result.exit_code != 0) {
            const std::string reason = result.errors.substr(0, result.errors.find('\n'));
            throw Error(ErrorCode::Internal, program_ + " failed (exit code " + std::to_string(result.exit_code) + "): " + reason);
        }
        const std::string spoken = clause_phonemes(result.output);
        any = any || !spoken.empty();
        // A sentence's end within one unit of text is still a word boundary.
        if (!phonemes.empty() && phonemes.back() != ' ') phonemes += ' ';
        phonemes += spoken + clause.terminator;
    }
    if (!any) return "";
    while (!phonemes.empty() && phonemes.back() == ' ') phonemes.pop_back();
    return phonemes;
}

void EspeakPhonemizer::check() const {
    ProgramOutput result;
    try {
        result = run_program(program_, {"-q", "--ipa", "-b", "1", "-v", voice_, "--stdin"}, "a", limits_);
    } catch (const ProgramError& e) {
        if (e.failure() == ProgramFailure::NotFound) throw Error(ErrorCode::UnsupportedModel, missing_program_message(program_));
        throw Error(ErrorCode::UnsupportedModel, std::string("espeak-ng does not run: ") + e.what());
    }
    if (result.exit_code != 0 || clause_phonemes(result.output).empty()) {
        const std::string reason = result.errors.substr(0, result.errors.find('\n'));
        throw Error(ErrorCode::UnsupportedModel, program_ + " cannot phonemize with the voice \"" + voice_ + "\" (exit code " +
                                                     std::to_string(result.exit_code) + "): " + reason);
    }
}

}  // namespace ovspeech::tts
