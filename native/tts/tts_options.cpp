#include "tts/tts_options.h"

#include <charconv>
#include <cmath>

#include "common/error.h"

namespace ovspeech::tts {
namespace {

// A number as JavaScript's String() writes it (shortest round trip, "1e+30", "1e-7", "NaN"), so that
// messages read the same whether the addon or this code refuses a value.
std::string js_number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
    if (value == 0) return "0";
    char text[64];
    const double magnitude = std::fabs(value);
    const bool fixed = magnitude >= 1e-6 && magnitude < 1e21;
    const auto end = std::to_chars(text, text + sizeof(text), value, fixed ? std::chars_format::fixed : std::chars_format::scientific).ptr;
    std::string written(text, end);
    const size_t exponent = written.find('e');
    if (exponent == std::string::npos) return written;
    // C++ pads the exponent to two digits ("1e-07"); JavaScript does not.
    size_t digits = exponent + 2;
    while (digits + 1 < written.size() && written[digits] == '0') written.erase(digits, 1);
    return written;
}

}  // namespace

std::string expected_value(const OptionSpec& spec) {
    return std::string(spec.integer ? "integer" : "number") + " between " + js_number(spec.min) + " and " + js_number(spec.max);
}

const OptionSpec& find_option(const std::string& family, const std::vector<OptionSpec>& specs, const std::string& name) {
    for (const OptionSpec& spec : specs) {
        if (spec.name == name) return spec;
    }
    std::string known;
    for (const OptionSpec& spec : specs) known += (known.empty() ? "" : ", ") + spec.name;
    throw Error(ErrorCode::InvalidArgument,
                "unknown option \"" + name + "\" for a " + family + " model; it takes: " + (known.empty() ? "none" : known), name);
}

void check_options(const std::string& family, const std::vector<OptionSpec>& specs, const OptionValues& values) {
    for (const auto& [name, value] : values) {
        const OptionSpec& spec = find_option(family, specs, name);
        if (!(value >= spec.min && value <= spec.max && (!spec.integer || std::floor(value) == value))) {
            throw Error(ErrorCode::InvalidArgument, expected_message(expected_value(spec), name, js_number(value) + " of type number"),
                        name);
        }
    }
}

double option_value(const std::vector<OptionSpec>& specs, const OptionValues& values, const std::string& name) {
    const auto given = values.find(name);
    if (given != values.end()) return given->second;
    for (const OptionSpec& spec : specs) {
        if (spec.name == name) return spec.default_value;
    }
    throw Error(ErrorCode::Internal, "no option named " + name);
}

}  // namespace ovspeech::tts
