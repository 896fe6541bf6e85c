#include "tts/text_normalizer.h"

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/utf8.h"

namespace ovspeech::tts {

namespace {

// The code point starting at byte `i` and its length in bytes; a byte that does not start a well-formed
// sequence reads as itself, one byte long.
char32_t decode_at(std::string_view text, size_t i, size_t& length) {
    const Utf8CodePoint c = decode_utf8(text, i);
    length = c.length;
    return c.value;
}

// The code point that ends just before byte `i` (0 at the start of the text).
char32_t decode_before(std::string_view text, size_t i) {
    if (i == 0) {
        return 0;
    }
    size_t start = i - 1;
    while (start > 0 && i - start < 4 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
        --start;
    }
    size_t length = 0;
    const char32_t value = decode_at(text, start, length);
    return start + length == i ? value : static_cast<unsigned char>(text[i - 1]);
}

bool is_digit(char32_t c) {
    return c >= '0' && c <= '9';
}
bool is_upper(char32_t c) {
    return c >= 'A' && c <= 'Z';
}
bool is_letter(char32_t c) {
    return (c >= 'a' && c <= 'z') || is_upper(c);
}

// Letters and digits of any script, as far as spacing words apart goes: everything but ASCII symbols and the
// common blocks of punctuation, spaces and symbols.
bool is_wordlike(char32_t c) {
    if (c < 0x80) {
        return is_letter(c) || is_digit(c);
    }
    const bool symbol = (c >= 0xA0 && c <= 0xBF) || c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x206F) ||
                        (c >= 0x20A0 && c <= 0x20CF) || (c >= 0x2190 && c <= 0x22FF) || (c >= 0x3000 && c <= 0x303F) ||
                        (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20);
    return !symbol;
}

char to_lower(char c) {
    return is_upper(static_cast<unsigned char>(c)) ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (to_lower(a[i]) != to_lower(b[i])) {
            return false;
        }
    }
    return true;
}

std::string capitalized(std::string words) {
    if (!words.empty() && words[0] >= 'a' && words[0] <= 'z') {
        words[0] = static_cast<char>(words[0] - 'a' + 'A');
    }
    return words;
}

constexpr std::string_view kSmall[] = {"zero",     "one",     "two",     "three",     "four",     "five",    "six",
                                       "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",  "thirteen",
                                       "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
constexpr std::string_view kTens[] = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};
constexpr std::string_view kScales[] = {"", "thousand", "million", "billion", "trillion", "quadrillion"};

constexpr size_t kMaxPlainDigits = 15;    // longer plain digit strings are IDs, read digit by digit
constexpr size_t kMaxGroupedDigits = 18;  // up to the quadrillions, within uint64_t

// n in [0, 99]
std::string below_hundred(unsigned n) {
    if (n < 20) {
        return std::string(kSmall[n]);
    }
    std::string words(kTens[n / 10]);
    if (n % 10 != 0) {
        words += "-" + std::string(kSmall[n % 10]);
    }
    return words;
}

// n in [1, 999]
std::string below_thousand(unsigned n) {
    std::string words;
    if (n >= 100) {
        words = std::string(kSmall[n / 100]) + " hundred";
        if (n % 100 != 0) {
            words += " ";
        }
    }
    if (n % 100 != 0) {
        words += below_hundred(n % 100);
    }
    return words;
}

// n below 10^18
std::string cardinal(uint64_t n) {
    if (n == 0) {
        return "zero";
    }
    std::vector<unsigned> groups;  // of three digits, least significant first
    for (; n > 0; n /= 1000) {
        groups.push_back(static_cast<unsigned>(n % 1000));
    }
    std::string words;
    for (size_t scale = groups.size(); scale-- > 0;) {
        if (groups[scale] == 0) {
            continue;
        }
        if (!words.empty()) {
            words += " ";
        }
        words += below_thousand(groups[scale]);
        if (scale > 0) {
            words += " " + std::string(kScales[scale]);
        }
    }
    return words;
}

std::string digit_by_digit(std::string_view digits) {
    std::string words;
    for (const char digit : digits) {
        if (!words.empty()) {
            words += " ";
        }
        words += kSmall[digit - '0'];
    }
    return words;
}

uint64_t value_of(std::string_view digits) {
    uint64_t value = 0;
    for (const char digit : digits) {
        value = value * 10 + static_cast<uint64_t>(digit - '0');
    }
    return value;
}

// The last word of `words`, after its last space or hyphen, rewritten by `rewrite`.
template <typename Rewrite>
std::string rewrite_last_word(const std::string& words, Rewrite rewrite) {
    const size_t split = words.find_last_of(" -");
    const size_t start = split == std::string::npos ? 0 : split + 1;
    return words.substr(0, start) + rewrite(words.substr(start));
}

std::string ordinal(const std::string& cardinal_words) {
    return rewrite_last_word(cardinal_words, [](const std::string& word) -> std::string {
        static const std::pair<std::string_view, std::string_view> irregular[] = {
            {"one", "first"},    {"two", "second"}, {"three", "third"},   {"five", "fifth"},
            {"eight", "eighth"}, {"nine", "ninth"}, {"twelve", "twelfth"}};
        for (const auto& [plain, nth] : irregular) {
            if (word == plain) {
                return std::string(nth);
            }
        }
        if (word.back() == 'y') {
            return word.substr(0, word.size() - 1) + "ieth";
        }
        return word + "th";
    });
}

// "nineteen eighty" -> "nineteen eighties", "two thousand" -> "two thousands"
std::string plural(const std::string& words) {
    return rewrite_last_word(words, [](const std::string& word) -> std::string {
        if (word.back() == 'y') {
            return word.substr(0, word.size() - 1) + "ies";
        }
        return word + (word.back() == 'x' ? "es" : "s");
    });
}

bool is_year(unsigned n) {
    return n >= 1100 && n <= 2099;
}

std::string year(unsigned n) {
    if (n >= 2000 && n <= 2009) {
        return cardinal(n);
    }
    const std::string century = below_hundred(n / 100);
    const unsigned rest = n % 100;
    if (rest == 0) {
        return century + " hundred";
    }
    return century + (rest < 10 ? " oh " : " ") + below_hundred(rest);
}

std::string time_of_day(unsigned hours, unsigned minutes, bool with_meridiem) {
    if (minutes == 0) {
        return cardinal(hours) + (with_meridiem ? "" : " o'clock");
    }
    return cardinal(hours) + (minutes < 10 ? " oh " : " ") + below_hundred(minutes);
}

std::string fraction(unsigned numerator, unsigned denominator) {
    static const std::string_view names[][2] = {{"half", "halves"}, {"third", "thirds"}, {"quarter", "quarters"}};
    if (denominator >= 2 && denominator <= 4) {
        return cardinal(numerator) + " " + std::string(names[denominator - 2][numerator == 1 ? 0 : 1]);
    }
    return cardinal(numerator) + " over " + cardinal(denominator);
}

// A number as written: integer digits without separators, and the digits after the decimal point.
struct Number {
    std::string digits;
    bool grouped = false;  // written with thousands separators
    bool has_point = false;
    std::string fraction_digits;
    size_t end = 0;  // byte after the number

    bool is_plain_integer() const { return !digits.empty() && !grouped && !has_point; }
    bool is_one() const { return digits == "1" && !has_point; }

    std::string integer_words() const {
        if (digits.empty()) {
            return {};
        }
        const size_t max_digits = grouped ? kMaxGroupedDigits : kMaxPlainDigits;
        if ((digits.size() > 1 && digits[0] == '0') || digits.size() > max_digits) {
            return digit_by_digit(digits);
        }
        return cardinal(value_of(digits));
    }

    std::string words() const {
        if (!has_point) {
            return integer_words();
        }
        const std::string point = "point " + digit_by_digit(fraction_digits);
        return digits.empty() ? point : integer_words() + " " + point;
    }
};

struct Currency {
    std::string_view sign;
    std::string_view one;
    std::string_view many;
    std::string_view one_hundredth;  // empty: no subunit
    std::string_view many_hundredths;
};

constexpr Currency kCurrencies[] = {
    {"$", "dollar", "dollars", "cent", "cents"},
    {"\xE2\x82\xAC", "euro", "euros", "cent", "cents"},
    {"\xC2\xA3", "pound", "pounds", "penny", "pence"},
    {"\xC2\xA5", "yen", "yen", "", ""},
};

// An amount of money: a whole number of units, units and hundredths, or a decimal number of units.
std::string money(const Number& amount, const Currency& currency) {
    const std::string_view unit = amount.is_one() ? currency.one : currency.many;
    if (!amount.has_point || currency.one_hundredth.empty() || amount.fraction_digits.size() > 2) {
        return amount.words() + " " + std::string(unit);
    }
    const auto hundredths = static_cast<unsigned>(value_of(amount.fraction_digits) * (amount.fraction_digits.size() == 1 ? 10 : 1));
    const bool no_whole = amount.digits.empty() || value_of(amount.digits) == 0;
    const std::string whole = amount.integer_words() + " " + std::string(amount.digits == "1" ? currency.one : currency.many);
    if (hundredths == 0) {
        return whole;
    }
    const std::string cents = cardinal(hundredths) + " " + std::string(hundredths == 1 ? currency.one_hundredth : currency.many_hundredths);
    return no_whole ? cents : whole + " and " + cents;
}

struct Unit {
    std::string_view symbol;
    std::string_view one;
    std::string_view many;
};

// Longer symbols first, where one starts another.
constexpr Unit kUnits[] = {
    {"km/h", "kilometer per hour", "kilometers per hour"},
    {"km", "kilometer", "kilometers"},
    {"kg", "kilogram", "kilograms"},
    {"cm", "centimeter", "centimeters"},
    {"mm", "millimeter", "millimeters"},
    {"mph", "mile per hour", "miles per hour"},
    {"m", "meter", "meters"},
    {"g", "gram", "grams"},
    {"lbs", "pound", "pounds"},
    {"lb", "pound", "pounds"},
    {"ft", "foot", "feet"},
    {"in", "inch", "inches"},
    {"\xC2\xB0"
     "C",
     "degree Celsius", "degrees Celsius"},
    {"\xC2\xB0"
     "F",
     "degree Fahrenheit", "degrees Fahrenheit"},
    {"\xC2\xB0", "degree", "degrees"},
};

// Multipliers written after an amount of money: "$5 million", "$5M".
struct Scale {
    std::string_view written;
    std::string_view spoken;
};

constexpr Scale kScaleWords[] = {{"thousand", "thousand"}, {"million", "million"}, {"billion", "billion"}, {"trillion", "trillion"}};
constexpr Scale kScaleSuffixes[] = {{"k", "thousand"}, {"K", "thousand"}, {"M", "million"}, {"m", "million"},
                                    {"mn", "million"}, {"bn", "billion"}, {"B", "billion"}, {"T", "trillion"}};

struct VulgarFraction {
    std::string_view written;
    unsigned numerator;
    unsigned denominator;
};

constexpr VulgarFraction kVulgarFractions[] = {
    {"\xC2\xBD", 1, 2}, {"\xC2\xBC", 1, 4}, {"\xC2\xBE", 3, 4}, {"\xE2\x85\x93", 1, 3}, {"\xE2\x85\x94", 2, 3}};

// Abbreviations read as words when a period follows them.
struct Abbreviation {
    std::string_view written;  // lowercase, without the final period
    std::string_view spoken;
    bool can_end_sentence;  // often the last word of a sentence, its period then doubling as the full stop
};

constexpr Abbreviation kAbbreviations[] = {
    {"mr", "mister", false},   {"mrs", "missus", false}, {"ms", "miz", false},    {"dr", "doctor", false},    {"prof", "professor", false},
    {"jr", "junior", true},    {"sr", "senior", true},   {"vs", "versus", false}, {"etc", "et cetera", true}, {"e.g", "for example", false},
    {"i.e", "that is", false}, {"a.m", "a m", true},     {"p.m", "p m", true},
};

constexpr std::string_view kUndottedTitles[] = {"mr", "mrs", "ms", "dr"};

const Abbreviation* find_abbreviation(std::string_view written) {
    for (const Abbreviation& abbreviation : kAbbreviations) {
        if (iequals(written, abbreviation.written)) {
            return &abbreviation;
        }
    }
    return nullptr;
}

// The words written back into the text, with spaces between words and numbers that touch in the input
// ("mp3" -> "mp three") and runs of whitespace collapsed.
class SpokenText {
public:
    void space() { pending_space_ = !text_.empty(); }

    // Input text passed through.
    void copy(std::string_view raw) {
        size_t length = 0;
        if (pending_space_ || (after_words_ && is_wordlike(decode_at(raw, 0, length)))) {
            text_ += ' ';
        }
        text_ += raw;
        pending_space_ = false;
        after_words_ = false;
    }

    // Words that replace something written.
    void say(std::string_view words) {
        if (pending_space_ || is_wordlike(decode_before(text_, text_.size()))) {
            text_ += ' ';
        }
        text_ += words;
        pending_space_ = false;
        after_words_ = true;
    }

    std::string take() { return std::move(text_); }

private:
    std::string text_;
    bool pending_space_ = false;
    bool after_words_ = false;
};

class Normalizer {
public:
    explicit Normalizer(const std::string& text) : text_(text) {}

    std::string run() {
        while (pos_ < text_.size()) {
            size_t length = 0;
            const char32_t c = decode_at(text_, pos_, length);
            if (is_space(c)) {
                spoken_.space();
                pos_ += length;
            } else if (!read_number_forms() && !read_word() && !read_symbol()) {
                spoken_.copy(text_.substr(pos_, length));
                pos_ += length;
            }
        }
        return spoken_.take();
    }

private:
    // Peeking at the text: every index may be past its end.
    char at(size_t i) const { return i < text_.size() ? text_[i] : '\0'; }
    bool digit_at(size_t i) const { return is_digit(static_cast<unsigned char>(at(i))); }
    bool letter_at(size_t i) const { return is_letter(static_cast<unsigned char>(at(i))); }
    bool alphanumeric_at(size_t i) const { return digit_at(i) || letter_at(i); }
    bool text_at(size_t i, std::string_view s) const { return text_.compare(i, s.size(), s) == 0; }

    // The index after the spaces and tabs (not line breaks) from `i` on.
    size_t skip_blanks(size_t i) const {
        while (i < text_.size()) {
            size_t length = 0;
            const char32_t c = decode_at(text_, i, length);
            if (!is_space(c) || is_line_break(c)) {
                break;
            }
            i += length;
        }
        return i;
    }

    // Whether a period ending just before `i` also ends the sentence: the text ends, a line breaks or a
    // capitalized word follows.
    bool ends_sentence(size_t i) const {
        while (i < text_.size()) {
            size_t length = 0;
            const char32_t c = decode_at(text_, i, length);
            if (is_line_break(c)) {
                return true;
            }
            if (!is_space(c)) {
                return is_upper(c);
            }
            i += length;
        }
        return true;
    }

    bool only_spaces_from(size_t i) const {
        while (i < text_.size()) {
            size_t length = 0;
            if (!is_space(decode_at(text_, i, length))) {
                return false;
            }
            i += length;
        }
        return true;
    }

    const Currency* currency_at(size_t i) const {
        for (const Currency& currency : kCurrencies) {
            if (text_at(i, currency.sign)) {
                return &currency;
            }
        }
        return nullptr;
    }

    // Digits with optional thousands separators and decimals, or decimals alone (".5"), from `i` on.
    Number parse_number(size_t i) const {
        Number number;
        const size_t start = i;
        while (digit_at(i)) {
            number.digits += at(i++);
        }
        // "1,234,567": groups of exactly three digits after a first group of one to three.
        if (i - start >= 1 && i - start <= 3) {
            while (at(i) == ',' && digit_at(i + 1) && digit_at(i + 2) && digit_at(i + 3) && !digit_at(i + 4)) {
                number.digits.append(text_, i + 1, 3);
                number.grouped = true;
                i += 4;
            }
        }
        if (at(i) == '.' && digit_at(i + 1)) {
            number.has_point = true;
            for (++i; digit_at(i); ++i) {
                number.fraction_digits += at(i);
            }
        }
        number.end = i;
        return number;
    }

    // The end of three or more dot-separated groups of digits from `i` on ("1.2.3"), or 0.
    size_t dotted_groups_end(size_t i) const {
        size_t groups = 0;
        while (digit_at(i)) {
            while (digit_at(i)) {
                ++i;
            }
            ++groups;
            if (at(i) != '.' || !digit_at(i + 1)) {
                break;
            }
            ++i;
        }
        return groups >= 3 ? i : 0;
    }

    // The lengths of the hyphen-joined groups of digits from `i` on: "1-800-555-1234" -> {1, 3, 3, 4}.
    std::vector<size_t> hyphenated_groups(size_t i, size_t& end) const {
        std::vector<size_t> lengths;
        while (digit_at(i)) {
            const size_t group_start = i;
            while (digit_at(i)) {
                ++i;
            }
            lengths.push_back(i - group_start);
            end = i;
            if (at(i) != '-' || !digit_at(i + 1)) {
                break;
            }
            ++i;
        }
        return lengths;
    }

    // Whether a 4-digit number at `start` may be a year given what precedes it: not the end of a phone
    // number ("555-1234"), but the end of a range of years ("1990-1995").
    bool year_may_start_at(size_t start) const {
        if (start < 2 || at(start - 1) != '-' || !digit_at(start - 2)) {
            return true;
        }
        size_t group_start = start - 1;
        while (group_start > 0 && digit_at(group_start - 1)) {
            --group_start;
        }
        return start - 1 - group_start == 4;
    }

    // "n/d" of up to three digits each from `i` on, not part of a date such as "1/2/2020".
    bool parse_fraction(size_t i, unsigned& numerator, unsigned& denominator, size_t& end) const {
        if (i > 0 && at(i - 1) == '/') {
            return false;
        }
        size_t slash = i;
        while (digit_at(slash)) {
            ++slash;
        }
        end = slash + 1;
        while (digit_at(end)) {
            ++end;
        }
        const size_t numerator_digits = slash - i;
        const size_t denominator_digits = end - slash - 1;
        if (at(slash) != '/' || numerator_digits == 0 || numerator_digits > 3 || denominator_digits == 0 || denominator_digits > 3 ||
            at(end) == '/' || (at(end) == '.' && digit_at(end + 1))) {
            return false;
        }
        numerator = static_cast<unsigned>(value_of(std::string_view(text_).substr(i, numerator_digits)));
        denominator = static_cast<unsigned>(value_of(std::string_view(text_).substr(slash + 1, denominator_digits)));
        return true;
    }

    // "am", "pm", "a.m.", "p.m." in any case at `i`, not followed by a letter. Sets `end` after it, leaving a
    // final period that also ends the sentence to be copied.
    bool parse_meridiem(size_t i, bool& pm, size_t& end) const {
        const char first = to_lower(at(i));
        if (first != 'a' && first != 'p') {
            return false;
        }
        pm = first == 'p';
        if (to_lower(at(i + 1)) == 'm' && !letter_at(i + 2)) {
            end = i + 2;
            return true;
        }
        if (at(i + 1) == '.' && to_lower(at(i + 2)) == 'm' && at(i + 3) == '.' && !letter_at(i + 4)) {
            end = ends_sentence(i + 4) ? i + 3 : i + 4;
            return true;
        }
        return false;
    }

    // A unit symbol at `gap` after a number that ends at `number_end`; sets `end` after it.
    const Unit* unit_at(size_t number_end, size_t gap, size_t& end) const {
        for (const Unit& unit : kUnits) {
            if (!text_at(gap, unit.symbol)) {
                continue;
            }
            end = gap + unit.symbol.size();
            if (letter_at(end - 1) && alphanumeric_at(end)) {
                continue;  // the start of a longer word: "5 min"
            }
            if (unit.symbol == "in" && gap != number_end) {
                // "5 in the car": only "12 in." or "12 in," at the end of a phrase is inches.
                const char next = at(end);
                if (next != '\0' && next != '.' && next != ',' && next != ';' && next != ')' && next != '!' && next != '?') {
                    continue;
                }
            }
            return &unit;
        }
        return nullptr;
    }

    // A number and what it is a number of, at pos_: digits, "-5", "$5", "#5", ".5", "½".
    bool read_number_forms() {
        const char c = at(pos_);
        if (digit_at(pos_) || (c == '.' && digit_at(pos_ + 1) && !is_wordlike(decode_before(text_, pos_)))) {
            read_number(pos_, "", true);
            return true;
        }
        const size_t minus_length = c == '-' ? 1 : text_at(pos_, "\xE2\x88\x92") ? 3 : 0;  // - or U+2212
        if (minus_length > 0) {
            const size_t next = pos_ + minus_length;
            const Currency* currency = currency_at(next);
            const bool number_follows = digit_at(next) || (currency != nullptr && digit_at(next + currency->sign.size()));
            if (!number_follows) {
                return false;
            }
            const char32_t before = decode_before(text_, pos_);
            if (is_wordlike(before)) {
                if (is_digit(before)) {
                    return false;  // a range or a phone number: "5-10"
                }
                spoken_.space();  // "COVID-19"
                pos_ = next;
                return true;
            }
            if (currency != nullptr) {
                read_money(next, *currency, "minus ");
            } else {
                read_number(next, "minus ", false);
            }
            return true;
        }
        const Currency* currency = currency_at(pos_);
        if (currency != nullptr && digit_at(pos_ + currency->sign.size())) {
            read_money(pos_, *currency, "");
            return true;
        }
        if (c == '#' && digit_at(pos_ + 1)) {
            spoken_.say("number");
            read_number(pos_ + 1, "", false);
            return true;
        }
        for (const VulgarFraction& vulgar : kVulgarFractions) {
            if (text_at(pos_, vulgar.written)) {
                spoken_.say(fraction(vulgar.numerator, vulgar.denominator));
                pos_ += vulgar.written.size();
                return true;
            }
        }
        return false;
    }

    // The number at `start` with what follows it (a time, fraction, ordinal suffix, percent sign, currency,
    // unit or am/pm), said after `sign` ("" or "minus ").
    void read_number(size_t start, const std::string& sign, bool may_be_year) {
        if (read_digit_groups(start, sign)) {
            return;
        }
        const Number number = parse_number(start);
        const size_t end = number.end;
        // "21st", "2nd", "1,000th"
        const std::string suffix{to_lower(at(end)), to_lower(at(end + 1))};
        if (!number.digits.empty() && !number.has_point && !alphanumeric_at(end + 2) &&
            (suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th")) {
            finish(sign + ordinal(number.integer_words()), end + 2);
            return;
        }
        if (number.is_plain_integer()) {
            if (read_time(number, sign, end) || read_fraction(number, sign, start)) {
                return;
            }
            // "1990s", "80s"
            const unsigned value = number.digits.size() <= 4 ? static_cast<unsigned>(value_of(number.digits)) : 0;
            const bool a_year = may_be_year && number.digits.size() == 4 && is_year(value);
            const bool a_decade = number.digits.size() == 2 && value % 10 == 0 && number.digits[0] != '0';
            if ((a_year || a_decade) && at(end) == 's' && !alphanumeric_at(end + 1)) {
                finish(sign + plural(a_year ? year(value) : cardinal(value)), end + 1);
                return;
            }
        }

        const size_t gap = skip_blanks(end);
        if (at(gap) == '%') {
            finish(sign + number.words() + " percent", gap + 1);
            return;
        }
        if (const Currency* currency = currency_at(gap); currency != nullptr) {
            finish(sign + money(number, *currency), gap + currency->sign.size());
            return;
        }
        size_t unit_end = 0;
        if (const Unit* unit = unit_at(end, gap, unit_end); unit != nullptr) {
            finish(sign + number.words() + " " + std::string(number.is_one() ? unit->one : unit->many), unit_end);
            return;
        }
        if (number.is_plain_integer()) {
            const uint64_t value = number.digits.size() <= 4 ? value_of(number.digits) : 0;
            bool pm = false;
            size_t meridiem_end = 0;
            if (value >= 1 && value <= 12 && number.digits[0] != '0' && parse_meridiem(gap, pm, meridiem_end)) {
                finish(sign + cardinal(value) + (pm ? " p m" : " a m"), meridiem_end);
                return;
            }
            if (read_mixed_fraction(number, sign, end)) {
                return;
            }
            if (may_be_year && number.digits.size() == 4 && is_year(static_cast<unsigned>(value)) && !alphanumeric_at(end) &&
                year_may_start_at(start)) {
                finish(year(static_cast<unsigned>(value)), end);
                return;
            }
        }
        finish(sign + number.words(), end);
    }

    // Hyphen-joined groups of digits that are a phone number or an ID ("1-800-555-1234", not the date
    // "2024-01-15"), read digit by digit with a pause between groups; or dot-separated groups that are a
    // version or an address ("1.2.3"), read as numbers joined by "point".
    bool read_digit_groups(size_t start, const std::string& sign) {
        size_t end = 0;
        const std::vector<size_t> lengths = hyphenated_groups(start, end);
        const bool identifier = lengths.size() >= 3 && lengths != std::vector<size_t>{4, 2, 2};
        if (!identifier) {
            end = dotted_groups_end(start);
            if (end == 0) {
                return false;
            }
        }
        std::string words;
        for (size_t i = start; i < end; ++i) {
            const size_t group_start = i;
            while (digit_at(i)) {
                ++i;
            }
            Number group;
            group.digits = text_.substr(group_start, i - group_start);
            if (!words.empty()) {
                words += identifier ? ", " : " point ";
            }
            words += identifier ? digit_by_digit(group.digits) : group.integer_words();
        }
        finish(sign + words, end);
        return true;
    }

    // "10:45", "9:05 pm"
    bool read_time(const Number& hours, const std::string& sign, size_t end) {
        if (hours.digits.size() > 2 || at(end) != ':' || !digit_at(end + 1) || !digit_at(end + 2) || digit_at(end + 3) ||
            (at(end + 3) == ':' && digit_at(end + 4))) {
            return false;
        }
        const auto hour = static_cast<unsigned>(value_of(hours.digits));
        const auto minute = static_cast<unsigned>((at(end + 1) - '0') * 10 + (at(end + 2) - '0'));
        if (hour > 23 || minute > 59) {
            return false;
        }
        bool pm = false;
        size_t meridiem_end = 0;
        if (parse_meridiem(skip_blanks(end + 3), pm, meridiem_end)) {
            finish(sign + time_of_day(hour, minute, true) + (pm ? " p m" : " a m"), meridiem_end);
        } else {
            finish(sign + time_of_day(hour, minute, false), end + 3);
        }
        return true;
    }

    // "3/4"
    bool read_fraction(const Number& number, const std::string& sign, size_t start) {
        unsigned numerator = 0;
        unsigned denominator = 0;
        size_t end = 0;
        if (number.digits.size() > 3 || !parse_fraction(start, numerator, denominator, end)) {
            return false;
        }
        finish(sign + fraction(numerator, denominator), end);
        return true;
    }

    // "1 1/2", "1½"
    bool read_mixed_fraction(const Number& whole, const std::string& sign, size_t end) {
        for (const VulgarFraction& vulgar : kVulgarFractions) {
            if (text_at(end, vulgar.written)) {
                finish(sign + whole.words() + " and " + fraction(vulgar.numerator, vulgar.denominator), end + vulgar.written.size());
                return true;
            }
        }
        unsigned numerator = 0;
        unsigned denominator = 0;
        size_t fraction_end = 0;
        if (at(end) == ' ' && parse_fraction(end + 1, numerator, denominator, fraction_end) && numerator < denominator) {
            finish(sign + whole.words() + " and " + fraction(numerator, denominator), fraction_end);
            return true;
        }
        return false;
    }

    // "$12.50", "$2.5 million", "$5M", at the currency sign `start`.
    void read_money(size_t start, const Currency& currency, const std::string& sign) {
        const Number amount = parse_number(start + currency.sign.size());
        for (const Scale& scale : kScaleSuffixes) {
            if (text_at(amount.end, scale.written) && !alphanumeric_at(amount.end + scale.written.size())) {
                finish(sign + amount.words() + " " + std::string(scale.spoken) + " " + std::string(currency.many),
                       amount.end + scale.written.size());
                return;
            }
        }
        const size_t gap = skip_blanks(amount.end);
        for (const Scale& scale : kScaleWords) {
            if (gap > amount.end && text_at(gap, scale.written) && !alphanumeric_at(gap + scale.written.size())) {
                finish(sign + amount.words() + " " + std::string(scale.spoken) + " " + std::string(currency.many),
                       gap + scale.written.size());
                return;
            }
        }
        finish(sign + money(amount, currency), amount.end);
    }

    void finish(const std::string& words, size_t end) {
        spoken_.say(words);
        pos_ = end;
    }

    // An ASCII word at pos_, expanded when it is a known abbreviation, else copied. Digits inside words are
    // left for read_number_forms.
    bool read_word() {
        if (!letter_at(pos_)) {
            return false;
        }
        const size_t start = pos_;
        size_t end = start;
        while (letter_at(end)) {
            ++end;
        }
        const std::string_view word = std::string_view(text_).substr(start, end - start);
        const bool standalone = !is_wordlike(decode_before(text_, start));
        if (standalone && read_abbreviation(start, end, word)) {
            return true;
        }
        spoken_.copy(word);
        pos_ = end;
        return true;
    }

    bool read_abbreviation(size_t start, size_t end, std::string_view word) {
        const bool capital = is_upper(static_cast<unsigned char>(word[0]));
        const auto say = [&](std::string_view spoken, size_t after) {
            spoken_.say(capital ? capitalized(std::string(spoken)) : std::string(spoken));
            pos_ = after;
            return true;
        };
        // The dotted ones: "e.g." is the word "e" here.
        size_t dotted_end = end;
        if (word.size() == 1 && at(end) == '.' && letter_at(end + 1) && at(end + 2) == '.' && !letter_at(end + 3)) {
            dotted_end = end + 2;
        }
        if (at(dotted_end) == '.') {
            const std::string_view written = std::string_view(text_).substr(start, dotted_end - start);
            const size_t after_period = dotted_end + 1;
            const size_t next = skip_blanks(after_period);
            if (iequals(written, "no") && digit_at(next)) {
                spoken_.say(capital ? "Number" : "number");
                read_number(next, "", false);
                return true;
            }
            if (iequals(written, "st")) {
                if (is_upper(static_cast<unsigned char>(at(next))) && next > after_period) {
                    return say("saint", after_period);
                }
                return say("street", ends_sentence(after_period) ? dotted_end : after_period);
            }
            if (const Abbreviation* abbreviation = find_abbreviation(written); abbreviation != nullptr) {
                const bool keep_period = only_spaces_from(after_period) || (abbreviation->can_end_sentence && ends_sentence(after_period));
                return say(abbreviation->spoken, keep_period ? dotted_end : after_period);
            }
        }
        if (iequals(word, "vs")) {
            return say("versus", end);
        }
        // British style, without the period, before a name: "Mr Smith" (but "DR Congo" stays).
        const size_t next = skip_blanks(end);
        if (next > end && is_upper(static_cast<unsigned char>(at(next)))) {
            for (const std::string_view title : kUndottedTitles) {
                if (word == capitalized(std::string(title))) {
                    return say(find_abbreviation(title)->spoken, end);
                }
            }
        }
        return false;
    }

    // Symbols said as words, and a currency sign without a number.
    bool read_symbol() {
        static const std::pair<char, std::string_view> symbols[] = {
            {'&', "and"}, {'+', "plus"}, {'=', "equals"}, {'@', "at"}, {'%', "percent"}};
        for (const auto& [symbol, words] : symbols) {
            if (at(pos_) == symbol) {
                finish(std::string(words), pos_ + 1);
                return true;
            }
        }
        if (const Currency* currency = currency_at(pos_); currency != nullptr) {
            finish(std::string(currency->one), pos_ + currency->sign.size());
            return true;
        }
        return false;
    }

    const std::string& text_;
    size_t pos_ = 0;
    SpokenText spoken_;
};

}  // namespace

std::string normalize_english(const std::string& utf8_text) {
    std::string spoken = Normalizer(utf8_text).run();
    if (spoken.size() > kMaxSpokenBytesPerByte * utf8_text.size()) {
        throw Error(ErrorCode::Internal, "the text normalizer wrote " + std::to_string(spoken.size()) + " bytes for " +
                                             std::to_string(utf8_text.size()) + ": more than its bound");
    }
    return spoken;
}

}  // namespace ovspeech::tts
