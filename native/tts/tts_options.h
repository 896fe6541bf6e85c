#pragma once

#include <map>
#include <string>
#include <vector>

namespace ovspeech::tts {

// One option a family's requests may set (SpeechT5's maxlenratio, Piper's noise_scale): its default and
// the range a value must fall in, checked before the family reads it.
struct OptionSpec {
    std::string name;
    double default_value;
    double min;
    double max;
    bool integer = false;
};

// A request's family options by name; absent ones take their defaults.
using OptionValues = std::map<std::string, double>;

// What a value of `spec` must be, in src/errors.ts invalidParameter's words: "number between 0 and 100".
std::string expected_value(const OptionSpec& spec);

// The option `name` of `family`; INVALID_ARGUMENT naming it when the family has none of that name.
const OptionSpec& find_option(const std::string& family, const std::vector<OptionSpec>& specs, const std::string& name);

// Every value is an option of `family` within its range (an integer where it asks for one); throws
// INVALID_ARGUMENT naming the first that is not, worded as the addon words it.
void check_options(const std::string& family, const std::vector<OptionSpec>& specs, const OptionValues& values);

// The value of option `name` (one of `specs`), or its default.
double option_value(const std::vector<OptionSpec>& specs, const OptionValues& values, const std::string& name);

}  // namespace ovspeech::tts
