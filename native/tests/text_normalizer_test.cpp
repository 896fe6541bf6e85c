#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tts/text_normalizer.h"

namespace {

using ovspeech::tts::normalize_english;

struct Case {
    std::string input;
    std::string expected;
};

void expect_normalized(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
        EXPECT_EQ(normalize_english(c.input), c.expected) << "input: " << c.input;
    }
}

TEST(TextNormalizerTest, Cardinals) {
    expect_normalized({
        {"0", "zero"},
        {"7", "seven"},
        {"13", "thirteen"},
        {"42", "forty-two"},
        {"100", "one hundred"},
        {"101", "one hundred one"},
        {"999", "nine hundred ninety-nine"},
        {"1,000", "one thousand"},
        {"1,234,567", "one million two hundred thirty-four thousand five hundred sixty-seven"},
        {"1234567", "one million two hundred thirty-four thousand five hundred sixty-seven"},
        {"3,000,000,012", "three billion twelve"},
        {"10000", "ten thousand"},
        {"999999999999999",
         "nine hundred ninety-nine trillion nine hundred ninety-nine billion nine hundred "
         "ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-nine"},
        {"1,000,000,000,000,000", "one quadrillion"},
        {"I have 42 apples.", "I have forty-two apples."},
        {"(42)", "(forty-two)"},
    });
}

TEST(TextNormalizerTest, NegativeNumbers) {
    expect_normalized({
        {"-5", "minus five"},
        {"It was -12 outside.", "It was minus twelve outside."},
        {"(-3)", "(minus three)"},
        {"x=-7", "x equals minus seven"},
        {"\xE2\x88\x92"
         "4",
         "minus four"},  // U+2212 MINUS SIGN
        {"-2.5", "minus two point five"},
        {"5-10", "five-ten"},
        {"5 - 3", "five - three"},
    });
}

TEST(TextNormalizerTest, LongDigitStringsAndLeadingZerosAreReadDigitByDigit) {
    expect_normalized({
        {"1234567890123456", "one two three four five six seven eight nine zero one two three four five six"},
        {"Call 0123456789.", "Call zero one two three four five six seven eight nine."},
        {"007", "zero zero seven"},
        {"02134", "zero two one three four"},
        {"Call 1-800-555-1234 now.", "Call one, eight zero zero, five five five, one two three four now."},
        {"ISBN 978-3-16-148410-0", "ISBN nine seven eight, three, one six, one four eight four one zero, zero"},
        {"555-1234", "five hundred fifty-five-one thousand two hundred thirty-four"},
        {"2024-01-15", "twenty twenty-four-zero one-fifteen"},
    });
}

TEST(TextNormalizerTest, Decimals) {
    expect_normalized({
        {"3.14", "three point one four"},
        {"0.5", "zero point five"},
        {".5", "point five"},
        {"1,234.05", "one thousand two hundred thirty-four point zero five"},
        {"Pi is 3.14.", "Pi is three point one four."},
        {"3.14.15", "three point fourteen point fifteen"},
        {"Version 1.2.3 is out", "Version one point two point three is out"},
    });
}

TEST(TextNormalizerTest, Ordinals) {
    expect_normalized({
        {"1st 2nd 3rd 21st 100th", "first second third twenty-first one hundredth"},
        {"4th 5th 8th 9th 11th 12th 13th", "fourth fifth eighth ninth eleventh twelfth thirteenth"},
        {"20th 40th 99th", "twentieth fortieth ninety-ninth"},
        {"1,000th", "one thousandth"},
        {"He came 1st.", "He came first."},
        {"the 2ND time", "the second time"},
    });
}

TEST(TextNormalizerTest, Currency) {
    expect_normalized({
        {"$12.50", "twelve dollars and fifty cents"},
        {"$1", "one dollar"},
        {"$0.99", "ninety-nine cents"},
        {"$0.01", "one cent"},
        {"$1.01", "one dollar and one cent"},
        {"$1.00", "one dollar"},
        {"$1.5", "one dollar and fifty cents"},
        {"$0", "zero dollars"},
        {"$1,234.56", "one thousand two hundred thirty-four dollars and fifty-six cents"},
        {"$3.14159", "three point one four one five nine dollars"},
        {"\xE2\x82\xAC"
         "5",
         "five euros"},
        {"\xE2\x82\xAC"
         "1",
         "one euro"},
        {"\xE2\x82\xAC"
         "2.50",
         "two euros and fifty cents"},
        {"\xC2\xA3"
         "3.20",
         "three pounds and twenty pence"},
        {"\xC2\xA3"
         "0.01",
         "one penny"},
        {"\xC2\xA5"
         "100",
         "one hundred yen"},
        {"\xC2\xA5"
         "1",
         "one yen"},
        {"5\xE2\x82\xAC", "five euros"},
        {"It costs 5 \xE2\x82\xAC.", "It costs five euros."},
        {"-$5", "minus five dollars"},
        {"$2.5 million", "two point five million dollars"},
        {"$5M", "five million dollars"},
        {"$3bn", "three billion dollars"},
        {"$10k", "ten thousand dollars"},
        {"It costs $5, not $6.", "It costs five dollars, not six dollars."},
        {"US$5", "US five dollars"},
    });
}

TEST(TextNormalizerTest, Percentages) {
    expect_normalized({
        {"15%", "fifteen percent"},
        {"2.5%", "two point five percent"},
        {"100 %", "one hundred percent"},
        {"-3%", "minus three percent"},
        {"Up 15%.", "Up fifteen percent."},
    });
}

TEST(TextNormalizerTest, Years) {
    expect_normalized({
        {"1984", "nineteen eighty-four"},
        {"In 1984, he left.", "In nineteen eighty-four, he left."},
        {"2025", "twenty twenty-five"},
        {"2010", "twenty ten"},
        {"2000", "two thousand"},
        {"2005", "two thousand five"},
        {"1900", "nineteen hundred"},
        {"1905", "nineteen oh five"},
        {"1100", "eleven hundred"},
        {"1776.", "seventeen seventy-six."},
        {"the 1990s", "the nineteen nineties"},
        {"the 2000s", "the two thousands"},
        {"the 80s", "the eighties"},
        {"1990-1995", "nineteen ninety-nineteen ninety-five"},
        {"the mid-1990s", "the mid nineteen nineties"},
        {"FY2024", "FY twenty twenty-four"},
        // Not years:
        {"1099", "one thousand ninety-nine"},
        {"2100", "two thousand one hundred"},
        {"1,984", "one thousand nine hundred eighty-four"},
        {"1984.5", "one thousand nine hundred eighty-four point five"},
        {"1500 m", "one thousand five hundred meters"},
        {"1984%", "one thousand nine hundred eighty-four percent"},
        {"$1984", "one thousand nine hundred eighty-four dollars"},
        {"-1984", "minus one thousand nine hundred eighty-four"},
        {"#1984", "number one thousand nine hundred eighty-four"},
        {"1920x1080", "one thousand nine hundred twenty x one thousand eighty"},
        {"12345", "twelve thousand three hundred forty-five"},
    });
}

TEST(TextNormalizerTest, Times) {
    expect_normalized({
        {"10:45", "ten forty-five"},
        {"9:05", "nine oh five"},
        {"3:00", "three o'clock"},
        {"12:00", "twelve o'clock"},
        {"23:59", "twenty-three fifty-nine"},
        {"at 7:30 pm", "at seven thirty p m"},
        {"at 3:00 PM", "at three p m"},
        {"at 6:15 a.m. on Monday", "at six fifteen a m on Monday"},
        {"We left at 6 p.m. Then it rained.", "We left at six p m. Then it rained."},
        {"10am", "ten a m"},
        {"11 AM", "eleven a m"},
        {"Meet at 9:30.", "Meet at nine thirty."},
        {"16:9", "sixteen:nine"},
        {"25:00", "twenty-five:zero zero"},
    });
}

TEST(TextNormalizerTest, Fractions) {
    expect_normalized({
        {"1/2", "one half"},
        {"3/4", "three quarters"},
        {"1/4", "one quarter"},
        {"2/3", "two thirds"},
        {"3/2", "three halves"},
        {"5/8", "five over eight"},
        {"1 1/2 cups", "one and one half cups"},
        {"2\xC2\xBD", "two and one half"},
        {"\xC2\xBE", "three quarters"},
        {"1/2/2020", "one/two/twenty twenty"},
    });
}

TEST(TextNormalizerTest, Abbreviations) {
    expect_normalized({
        {"Mr. Smith", "Mister Smith"},
        {"Mrs. Smith and Ms. Jones", "Missus Smith and Miz Jones"},
        {"Dr. Who", "Doctor Who"},
        {"Prof. Xavier", "Professor Xavier"},
        {"Mr Smith and Dr Jones", "Mister Smith and Doctor Jones"},
        {"the DR Congo", "the DR Congo"},
        {"Martin Luther King Jr. was born", "Martin Luther King Junior was born"},
        {"John Smith Sr. is here.", "John Smith Senior is here."},
        {"Lakers vs. Celtics", "Lakers versus Celtics"},
        {"Lakers vs Celtics", "Lakers versus Celtics"},
        {"apples, pears, etc. are fruit", "apples, pears, et cetera are fruit"},
        {"apples, pears, etc.", "apples, pears, et cetera."},
        {"apples, etc. Then more.", "apples, et cetera. Then more."},
        {"(apples, etc.)", "(apples, et cetera)"},
        {"fruit, e.g. apples", "fruit, for example apples"},
        {"fruit, e.g., apples", "fruit, for example, apples"},
        {"E.g. apples", "For example apples"},
        {"one thing, i.e. this", "one thing, that is this"},
        {"No. 5", "Number five"},
        {"no. 7", "number seven"},
        {"No. 1984", "Number one thousand nine hundred eighty-four"},
        {"No. I won't.", "No. I won't."},
        {"St. Louis", "Saint Louis"},
        {"I visited St. Paul's.", "I visited Saint Paul's."},
        {"221B Baker St.", "two hundred twenty-one B Baker Street."},
        {"Main St. is long", "Main Street is long"},
        {"on Main St., then left", "on Main Street, then left"},
        {"in the a.m.", "in the a m."},
        {"I saw Mr.", "I saw Mister."},
        {"Mr.Smith", "Mister Smith"},
        {"Grdr. Mr", "Grdr. Mr"},
    });
}

TEST(TextNormalizerTest, Units) {
    expect_normalized({
        {"5 km", "five kilometers"},
        {"1 km", "one kilometer"},
        {"5km", "five kilometers"},
        {"2.5 kg", "two point five kilograms"},
        {"1 kg", "one kilogram"},
        {"30 cm", "thirty centimeters"},
        {"8 mm", "eight millimeters"},
        {"100 m", "one hundred meters"},
        {"1 m.", "one meter."},
        {"500 g", "five hundred grams"},
        {"1 lb", "one pound"},
        {"3 lbs", "three pounds"},
        {"6 ft", "six feet"},
        {"1 ft", "one foot"},
        {"12in", "twelve inches"},
        {"a 12 in. pipe", "a twelve inches. pipe"},
        {"1 in", "one inch"},
        {"5 in the car", "five in the car"},
        {"born in 1990 in Paris", "born in nineteen ninety in Paris"},
        {"60 mph", "sixty miles per hour"},
        {"100 km/h", "one hundred kilometers per hour"},
        {"20\xC2\xB0"
         "C",
         "twenty degrees Celsius"},
        {"-1 \xC2\xB0"
         "C",
         "minus one degree Celsius"},
        {"98.6\xC2\xB0"
         "F",
         "ninety-eight point six degrees Fahrenheit"},
        {"90\xC2\xB0", "ninety degrees"},
        {"5 min", "five min"},
        {"5M users", "five M users"},
        {"4G", "four G"},
        {"km alone", "km alone"},
    });
}

TEST(TextNormalizerTest, Symbols) {
    expect_normalized({
        {"Tom & Jerry", "Tom and Jerry"},
        {"AT&T", "AT and T"},
        {"1+1=2", "one plus one equals two"},
        {"C++", "C plus plus"},
        {"me@example.com", "me at example.com"},
        {"#5", "number five"},
        {"We're #1!", "We're number one!"},
        {"#hashtag", "#hashtag"},
        {"50% + 5%", "fifty percent plus five percent"},
    });
}

TEST(TextNormalizerTest, NumbersInsideWords) {
    expect_normalized({
        {"mp3", "mp three"},
        {"COVID-19", "COVID nineteen"},
        {"a 19-year-old", "a nineteen-year-old"},
        {"B2B", "B two B"},
        {"3D", "three D"},
        {"A4 paper", "A four paper"},
        {"Windows 11", "Windows eleven"},
    });
}

TEST(TextNormalizerTest, KeepsEverythingElse) {
    expect_normalized({
        {"Hello, world! How are you? Fine; thanks: bye.", "Hello, world! How are you? Fine; thanks: bye."},
        {"Wait \xE2\x80\x94 what?", "Wait \xE2\x80\x94 what?"},
        {"\xE2\x80\x9CQuoted\xE2\x80\x9D text\xE2\x80\xA6", "\xE2\x80\x9CQuoted\xE2\x80\x9D text\xE2\x80\xA6"},
        {"J. R. R. Tolkien", "J. R. R. Tolkien"},
        {"\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82", "\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82"},
        {"\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82", "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"},
        {"it's a well-known fact", "it's a well-known fact"},
    });
}

TEST(TextNormalizerTest, CollapsesWhitespace) {
    expect_normalized({
        {"  Hello   world  ", "Hello world"},
        {"line one\n\nline two\tend", "line one line two end"},
        {"5\xC2\xA0km", "five kilometers"},  // no-break space
        {"a\xC2\xA0\xC2\xA0"
         "b",
         "a b"},
    });
}

TEST(TextNormalizerTest, EdgeCases) {
    expect_normalized({
        {"", ""},
        {"   ", ""},
        {"&+=@", "and plus equals at"},
        {"%", "percent"},
        {"$", "dollar"},
        {"!!!", "!!!"},
        {"1st.", "first."},
        {"Gr\xC3\xBC\xC3\x9F"
         "e 5 \xE2\x82\xAC",
         "Gr\xC3\xBC\xC3\x9F"
         "e five euros"},
        {"Gr\xC3\xBC\xC3\x9F"
         "e5",
         "Gr\xC3\xBC\xC3\x9F"
         "e five"},
        {"\xC3\xA9t\xC3\xA9 2024", "\xC3\xA9t\xC3\xA9 twenty twenty-four"},
        {"bad \xFF byte 5", "bad \xFF byte five"},
        {"\xE2\x82", "\xE2\x82"},  // a truncated sequence
    });
}

}  // namespace

namespace {

std::string repeated(const std::string& word, size_t count, const std::string& separator = " ") {
    std::string text;
    for (size_t i = 0; i < count; ++i) text += (i == 0 ? "" : separator) + word;
    return text;
}

}  // namespace

// Finding 3 of issue 10: a request of "1" x 4000 or "$" and 40 digits must not spell out without bound.
TEST(TextNormalizerTest, DigitRunsOfAnyLengthAreReadDigitByDigit) {
    expect_normalized({
        {std::string(40, '1'), repeated("one", 40)},
        {std::string(4000, '1'), repeated("one", 4000)},
        {"$" + std::string(40, '9'), repeated("nine", 40) + " dollars"},
        {"$1234567890123456789012345678901234567890", repeated("one two three four five six seven eight nine zero", 4) + " dollars"},
        {"$" + std::string(40, '9') + ".99", repeated("nine", 40) + " dollars and ninety-nine cents"},
        {"$" + std::string(20, '1') + " million", repeated("one", 20) + " million dollars"},
        // Amounts beyond the quadrillions, the largest named scale, are digits too.
        {"$1,000,000,000,000,000,000",
         "one zero zero zero zero zero zero zero zero zero zero zero zero zero zero zero zero zero zero dollars"},
        {"-" + std::string(30, '2') + "%", "minus " + repeated("two", 30) + " percent"},
    });
}

// The output grows in proportion to the input: doubling a pathological input doubles the output, give or
// take a word at the ends, and no input writes more than kMaxSpokenBytesPerByte bytes per byte. (Lengths,
// not times: the cost of every rule is bounded per byte it consumes, so the output length tracks the work.)
TEST(TextNormalizerTest, OutputIsBoundedByAConstantFactorOfTheInput) {
    const std::vector<std::string> units = {"1",
                                            "777,",
                                            "$9",
                                            "%",
                                            "&",
                                            "=",
                                            "#5 ",
                                            "7%",
                                            "3/4 ",
                                            "1 1/2 ",
                                            "7\xC2\xBE",
                                            "7\xC2\xB0"
                                            "F ",
                                            "12:45 pm ",
                                            "21st ",
                                            "1990s ",
                                            "Dr. ",
                                            "etc. ",
                                            "1-",
                                            "1.",
                                            "$1.5M ",
                                            "No. 5 ",
                                            "1e",
                                            "5 ",
                                            "777/777 ",
                                            "-1 ",
                                            "\xE2\x88\x92"
                                            "7 ",
                                            "\xC2\xA3"
                                            "5 ",
                                            "7km/h ",
                                            "$ ",
                                            "a.m. "};
    for (const std::string& unit : units) {
        for (const size_t count : {size_t{1}, size_t{10}, size_t{500}}) {
            const std::string input = repeated(unit, count, "");
            const std::string spoken = normalize_english(input);
            EXPECT_LE(spoken.size(), ovspeech::tts::kMaxSpokenBytesPerByte * input.size()) << input.substr(0, 40);
        }
        const size_t single = normalize_english(repeated(unit, 1000, "")).size();
        const size_t twice = normalize_english(repeated(unit, 2000, "")).size();
        EXPECT_LE(twice, 2 * single + 64) << unit;
        EXPECT_GE(twice + 64, 2 * single) << unit;
    }
}
