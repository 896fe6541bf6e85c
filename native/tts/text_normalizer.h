#pragma once

#include <cstddef>
#include <string>

namespace ovspeech::tts {

// Spells out what SpeechT5's character tokenizer cannot read (digits, currency, units, symbols, some
// abbreviations) as English words. Letters, punctuation and other scripts pass through unchanged, UTF-8
// sequences are never split, runs of whitespace become one space and the ends are trimmed.
//
// Numbers
// - Cardinals in American style, without "and": "1,234" -> "one thousand two hundred thirty-four". Up to 15
//   digits written plainly, or 18 digits grouped by commas ("1,000,000,000,000,000" -> "one quadrillion");
//   longer digit strings, and any with a leading zero ("007", "02134"), are read digit by digit: IDs and
//   phone numbers, as are three or more hyphen-joined groups of digits, group by group ("1-800-555-1234" ->
//   "one, eight zero zero, five five five, one two three four"; not dates like "2024-01-15"). "-5" is
//   "minus five" when the "-" does not follow a letter or digit; "5-10" keeps its hyphen.
// - Decimals read their fraction digit by digit: "3.14" -> "three point one four", ".5" -> "point five".
//   Three or more dot-separated groups are a version or an address: "3.14.15" -> "three point fourteen point
//   fifteen".
// - Ordinals: "21st" -> "twenty-first". Times: "9:05" -> "nine oh five", "3:00" -> "three o'clock" (hours
//   0-23, two-digit minutes); with am/pm "3:00 pm" -> "three p m". Fractions of up to three digits each:
//   halves, thirds and quarters by name ("3/4" -> "three quarters"), others "5/8" -> "five over eight";
//   "1 1/2" and "1½" -> "one and one half". Dates like "1/2/2020" are not fractions.
// - Years: a plain 4-digit number from 1100 to 2099 is a year ("1984" -> "nineteen eighty-four", "1905" ->
//   "nineteen oh five", "2000"-"2009" -> "two thousand ...", "2025" -> "twenty twenty-five"), unless it has a
//   sign, decimals or thousands separators ("1,984"), a currency, unit, percent sign or ordinal suffix, a
//   letter right after it ("1920x1080"), follows "#" or "No.", or ends a hyphenated number whose group
//   before it is not a year too ("555-1234"; "1990-1995" are years). "1990s" -> "nineteen nineties".
// - Numbers inside words are spaced off as words: "mp3" -> "mp three", "COVID-19" -> "COVID nineteen" (a
//   hyphen between a letter and a digit becomes a space), "19-year-old" -> "nineteen-year-old".
// Money, percentages, units
// - "$12.50" -> "twelve dollars and fifty cents", "$1" -> "one dollar", "$0.99" -> "ninety-nine cents";
//   euros and cents (€, before or after the number), pounds and pence (£), yen (¥, no subunit). "$2.5
//   million" and "$5M" -> "two point five million dollars", "five million dollars". A currency sign on its
//   own is its name: "$" -> "dollar".
// - "15%" -> "fifteen percent". Units after a number, case-sensitive so that "5M" and "4G" stay letters:
//   km, kg, cm, mm, m, g, lb, lbs, ft, mph, km/h, °C, °F, ° ("1 ft" -> "one foot"); "in" is inches only
//   when attached ("12in") or ending a phrase ("12 in."), not in "5 in the car".
// Abbreviations and symbols
// - Mr. Mrs. Ms. Dr. Prof. Jr. Sr. vs. etc. e.g. i.e. a.m. p.m., and Mr Mrs Ms Dr without the period
//   before a capitalized name. "St." is "Saint" before a capitalized word ("St. Louis") and "Street"
//   otherwise ("Main St."). "No." is "number" before a number. a.m./p.m. read as letters "a m"/"p m" (also
//   "10am", "10 PM"). The period stays when the abbreviation ends the sentence ("..., etc." at the end).
// - "&" -> "and", "+" -> "plus", "=" -> "equals", "@" -> "at", "%" -> "percent", "#5" -> "number five".
//
// Bounds: the output has at most kMaxSpokenBytesPerByte bytes per byte of input (the worst is a group of
// three digits, "777," -> "seven hundred seventy-seven", under 9 a byte), and the time taken grows in
// proportion to the input: every rule looks a bounded distance ahead, except over one run of digits or
// hyphen- and dot-joined digit groups, which it then consumes. Spelled-out text, and with it the
// synthesis work and memory of a request, so grow at most linearly with its input. Throws
// Error(Internal) if the bound is ever broken, rather than handing on unbounded text.
std::string normalize_english(const std::string& utf8_text);

constexpr size_t kMaxSpokenBytesPerByte = 12;

}  // namespace ovspeech::tts
