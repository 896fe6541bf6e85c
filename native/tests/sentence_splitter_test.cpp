#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/error.h"
#include "tts/sentence_splitter.h"

namespace {

using ovspeech::tts::split_sentences;
using Pieces = std::vector<std::string>;

constexpr size_t kRoomy = 1000;

// Code points of valid UTF-8.
size_t code_points(const std::string& text) {
    size_t count = 0;
    for (const char byte : text) {
        count += (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
    }
    return count;
}

bool is_valid_utf8(const std::string& text) {
    size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
        if (length == 0 || i + length > text.size()) {
            return false;
        }
        for (size_t k = 1; k < length; ++k) {
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += length;
    }
    return true;
}

std::string join(const Pieces& pieces, const std::string& separator) {
    std::string joined;
    for (size_t i = 0; i < pieces.size(); ++i) {
        joined += (i == 0 ? "" : separator) + pieces[i];
    }
    return joined;
}

struct Case {
    std::string text;
    Pieces expected;
};

void expect_splits(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
        EXPECT_EQ(split_sentences(c.text, kRoomy), c.expected) << "input: " << c.text;
    }
}

TEST(SentenceSplitterTest, SplitsATypicalParagraph) {
    expect_splits({
        {"Hello world. How are you? I'm fine! Thanks.", {"Hello world.", "How are you?", "I'm fine!", "Thanks."}},
        {"  One sentence without an end  ", {"One sentence without an end"}},
        {"Really?! Yes!!! Fine.", {"Really?!", "Yes!!!", "Fine."}},
        {"Grüße aus Köln. Wie geht's? Gut.", {"Grüße aus Köln.", "Wie geht's?", "Gut."}},
        {"Tabs\tand  double  spaces. Stay inside.", {"Tabs\tand  double  spaces.", "Stay inside."}},
    });
}

TEST(SentenceSplitterTest, DoesNotSplitAfterAbbreviations) {
    expect_splits({
        {"Mr. Smith met Dr. Jones. They talked.", {"Mr. Smith met Dr. Jones.", "They talked."}},
        {"Mrs. Brown and Ms. Green met Prof. White.", {"Mrs. Brown and Ms. Green met Prof. White."}},
        {"I like fruit, e.g. apples. And i.e. pears too.", {"I like fruit, e.g. apples.", "And i.e. pears too."}},
        {"We met at 5 p.m. on Main St. in town.", {"We met at 5 p.m. on Main St. in town."}},
        {"He lives near St. Paul. It is cold.", {"He lives near St. Paul.", "It is cold."}},
        {"Lakers vs. Celtics tonight.", {"Lakers vs. Celtics tonight."}},
        {"We bought apples, pears, etc. Then we left.", {"We bought apples, pears, etc.", "Then we left."}},
        {"We bought apples, etc. and left.", {"We bought apples, etc. and left."}},
        {"It is No. 5 on the list. No. That is wrong.", {"It is No. 5 on the list.", "No.", "That is wrong."}},
        {"See (cf. chapter two). Done.", {"See (cf. chapter two).", "Done."}},
        {"It costs approx. five dollars.", {"It costs approx. five dollars."}},
    });
}

TEST(SentenceSplitterTest, DoesNotSplitInsideDecimalsNumbersOrAddresses) {
    expect_splits({
        {"Pi is 3.14159. E is 2.718.", {"Pi is 3.14159.", "E is 2.718."}},
        {"It grew by 3.5 percent. Then it fell.", {"It grew by 3.5 percent.", "Then it fell."}},
        {"Visit example.com today. Or not.", {"Visit example.com today.", "Or not."}},
        {"Version 1.2.3 is out.", {"Version 1.2.3 is out."}},
    });
}

TEST(SentenceSplitterTest, KeepsInitialsTogether) {
    expect_splits({
        {"J. R. R. Tolkien wrote it. I. M. Pei built it.", {"J. R. R. Tolkien wrote it.", "I. M. Pei built it."}},
        {"So did I. Then he left.", {"So did I.", "Then he left."}},
        {"George W. Bush spoke.", {"George W. Bush spoke."}},
    });
}

TEST(SentenceSplitterTest, EllipsesEndSentences) {
    expect_splits({
        {"Wait... What? Really\xE2\x80\xA6 Yes.", {"Wait...", "What?", "Really\xE2\x80\xA6", "Yes."}},
        {"Well\xE2\x80\xA6 I don't know.", {"Well\xE2\x80\xA6", "I don't know."}},
        {"Hmm...", {"Hmm..."}},
        {"Wait... what now?", {"Wait... what now?"}},
    });
}

TEST(SentenceSplitterTest, KeepsClosingQuotesAndBracketsWithTheSentence) {
    expect_splits({
        {"He said \"Stop.\" Then left.", {"He said \"Stop.\"", "Then left."}},
        {"She asked, \xE2\x80\x9CWhy?\xE2\x80\x9D He shrugged.", {"She asked, \xE2\x80\x9CWhy?\xE2\x80\x9D", "He shrugged."}},
        {"(This is an aside.) Back to work.", {"(This is an aside.)", "Back to work."}},
        {"'Yes!' she said. \"Go?\" he asked.", {"'Yes!' she said.", "\"Go?\" he asked."}},
        {"He said \"no.\"Then nothing.", {"He said \"no.\"Then nothing."}},
    });
}

TEST(SentenceSplitterTest, LineBreaksAndParagraphsEndSentences) {
    expect_splits({
        {"Chapter One\nIt was dark. It was cold\n\nNew paragraph here",
         {"Chapter One", "It was dark.", "It was cold", "New paragraph here"}},
        {"Windows\r\nline ends\r\n", {"Windows", "line ends"}},
        {"- first item\n- second item", {"- first item", "- second item"}},
    });
}

TEST(SentenceSplitterTest, DropsEmptyPieces) {
    expect_splits({
        {"", {}},
        {"   \n\n \t ", {}},
        {"\xC2\xA0\xE3\x80\x80", {}},  // no-break and ideographic spaces
        {"Hi.\n\n\n   \nBye.", {"Hi.", "Bye."}},
    });
}

TEST(SentenceSplitterTest, CjkSentenceEndsNeedNoSpace) {
    expect_splits({
        {"你好。我很好！你呢？", {"你好。", "我很好！", "你呢？"}},
        {"「行こう。」と彼は言った。", {"「行こう。」", "と彼は言った。"}},
        {"这是第一句。 This is English. 再见！", {"这是第一句。", "This is English.", "再见！"}},
    });
}

TEST(SentenceSplitterTest, SplitsALongSentenceAtCommasWithinMaxChars) {
    // A 4096-character text: short sentences around a 1000-character sentence of comma-separated clauses.
    std::string long_sentence;
    for (int clause = 0; long_sentence.size() < 990; ++clause) {
        long_sentence += "clause number " + std::to_string(clause) + " goes on for a while, ";
    }
    long_sentence.resize(999);
    long_sentence.back() = '.';
    long_sentence[0] = 'C';
    std::string text;
    const std::string short_sentence = "A short sentence comes here.";
    while (text.size() < 1500) {
        text += short_sentence + " ";
    }
    text += long_sentence;
    while (text.size() < 4096) {
        text += " " + short_sentence;
    }
    text.resize(4096);
    ASSERT_EQ(text.size(), 4096u);

    constexpr size_t kMaxChars = 200;
    const Pieces pieces = split_sentences(text, kMaxChars);
    EXPECT_EQ(join(pieces, " "), text) << "only whitespace between pieces is dropped";
    size_t long_pieces = 0;
    for (const std::string& piece : pieces) {
        EXPECT_LE(code_points(piece), kMaxChars) << piece;
        if (piece.rfind("clause", 0) == 0 || piece.rfind("Clause", 0) == 0) {
            ++long_pieces;
            if (piece.back() != '.') {
                EXPECT_EQ(piece.back(), ',') << piece;
                EXPECT_GT(code_points(piece), kMaxChars * 3 / 4) << "cut at the last comma in reach: " << piece;
            }
        }
    }
    EXPECT_GE(long_pieces, 5u);
}

TEST(SentenceSplitterTest, SplitsAtSemicolonsColonsAndDashes) {
    EXPECT_EQ(split_sentences("First part; second part: third part\xE2\x80\x94"
                              "fourth part.",
                              15),
              (Pieces{"First part;", "second part:", "third part\xE2\x80\x94", "fourth part."}));
    EXPECT_EQ(split_sentences("First part; second part: third part", 25), (Pieces{"First part; second part:", "third part"}))
        << "as many clauses as fit";
    EXPECT_EQ(split_sentences("It is 10:45 and 1,000 people wait here.", 20), (Pieces{"It is 10:45 and", "1,000 people wait", "here."}))
        << "no clause break inside numbers: word boundaries instead";
}

TEST(SentenceSplitterTest, FallsBackToWordBoundaries) {
    const std::string text = "the quick brown fox jumps over the lazy dog and keeps running far away";
    for (const size_t max_chars : {size_t{7}, size_t{10}, size_t{16}, size_t{30}}) {
        const Pieces pieces = split_sentences(text, max_chars);
        EXPECT_EQ(join(pieces, " "), text) << max_chars;
        for (const std::string& piece : pieces) {
            EXPECT_LE(piece.size(), max_chars) << piece;
        }
    }
    EXPECT_EQ(split_sentences(text, 16), (Pieces{"the quick brown", "fox jumps over", "the lazy dog and", "keeps running", "far away"}));
}

TEST(SentenceSplitterTest, CutsAWordLongerThanMaxCharsByCharacters) {
    const std::string word(300, 'a');
    const std::string hundred(100, 'a');
    EXPECT_EQ(split_sentences(word, 100), (Pieces{hundred, hundred, hundred}));
    EXPECT_EQ(split_sentences("go " + word + " now", 100), (Pieces{"go", hundred, hundred, hundred, "now"}));

    std::string accented;
    for (int i = 0; i < 300; ++i) {
        accented += "\xC3\xA9";  // é
    }
    const Pieces pieces = split_sentences(accented, 128);
    ASSERT_EQ(pieces.size(), 3u);
    EXPECT_EQ(code_points(pieces[0]), 128u);
    EXPECT_EQ(code_points(pieces[2]), 44u);
    for (const std::string& piece : pieces) {
        EXPECT_TRUE(is_valid_utf8(piece));
    }
    EXPECT_EQ(join(pieces, ""), accented);
}

TEST(SentenceSplitterTest, SplitsLongCjkTextAtItsCommasThenByCharacters) {
    const std::string clause = "\xE6\x88\x91\xE4\xBB\xAC\xE5\x8E\xBB\xE5\x85\xAC\xE5\x9B\xAD";  // 我们去公园
    const std::string comma = "\xEF\xBC\x8C";                                                   // ，
    const std::string text = clause + comma + clause + comma + clause + "\xE3\x80\x82";         // 。
    EXPECT_EQ(split_sentences(text, 8), (Pieces{clause + comma, clause + comma, clause + "\xE3\x80\x82"}));

    const Pieces pieces = split_sentences(clause + clause + clause, 4);
    ASSERT_EQ(pieces.size(), 4u);
    for (const std::string& piece : pieces) {
        EXPECT_TRUE(is_valid_utf8(piece));
        EXPECT_LE(code_points(piece), 4u);
    }
    EXPECT_EQ(join(pieces, ""), clause + clause + clause);
}

TEST(SentenceSplitterTest, PassesInvalidUtf8Through) {
    EXPECT_EQ(split_sentences("Bad \xFF byte. Next.", kRoomy), (Pieces{"Bad \xFF byte.", "Next."}));
    EXPECT_EQ(split_sentences("\xE4\xBD", kRoomy), (Pieces{"\xE4\xBD"})) << "a truncated sequence";
}

TEST(SentenceSplitterTest, RejectsZeroMaxChars) {
    try {
        split_sentences("Hello.", 0);
        FAIL() << "expected InvalidArgument";
    } catch (const ovspeech::Error& error) {
        EXPECT_EQ(error.code(), ovspeech::ErrorCode::InvalidArgument);
        EXPECT_NE(std::string(error.what()).find("max_chars"), std::string::npos);
    }
}

}  // namespace

namespace {

// SpeechT5's character tokenizer as the synthesizer counts it: a word-boundary piece before the text, one
// token per character and </s>.
size_t speecht5_tokens(const std::string& text) {
    return text.size() + 2;
}

// Every piece fits the limit, and the pieces, joined, give back the text's non-space characters in order.
void expect_fits(const std::string& text, size_t max_tokens) {
    const Pieces pieces = ovspeech::tts::split_to_fit(text, max_tokens, speecht5_tokens);
    std::string joined;
    for (const std::string& piece : pieces) {
        EXPECT_LE(speecht5_tokens(piece), max_tokens) << piece;
        joined += piece;
    }
    std::string expected = text;
    expected.erase(std::remove(expected.begin(), expected.end(), ' '), expected.end());
    joined.erase(std::remove(joined.begin(), joined.end(), ' '), joined.end());
    EXPECT_EQ(joined, expected);
}

}  // namespace

// The inputs that gave 500 with the tiny SpeechT5, whose max_text_positions is 450.
TEST(SplitToFitTest, EveryPieceFitsTheModelsTokens) {
    expect_fits(std::string(449, 'a'), 450);
    expect_fits(std::string(4096, '.'), 450);
    std::string commas;
    for (int i = 0; i < 1300; ++i) commas += "a, ";
    expect_fits(commas, 450);
    expect_fits(std::string(4096, 'x'), 3);  // one character per piece
    // Even pieces, as long as fit: 4,096 dots in 9 of 448 and the 64 left.
    const Pieces dots = ovspeech::tts::split_to_fit(std::string(4096, '.'), 450, speecht5_tokens);
    ASSERT_EQ(dots.size(), 10u);
    EXPECT_EQ(dots.front().size(), 448u);
    EXPECT_EQ(dots.back().size(), 64u);
}

TEST(SplitToFitTest, TextThatFitsIsOnePieceUnchanged) {
    EXPECT_EQ(ovspeech::tts::split_to_fit(" Hello world. ", 450, speecht5_tokens), (Pieces{" Hello world. "}));
    EXPECT_EQ(ovspeech::tts::split_to_fit(std::string(448, 'a'), 450, speecht5_tokens), (Pieces{std::string(448, 'a')}));
}

TEST(SplitToFitTest, CutsAtClauseMarksThenSpacesThenAnywhere) {
    EXPECT_EQ(ovspeech::tts::split_to_fit("one two, three four", 14, speecht5_tokens), (Pieces{"one two,", "three four"}));
    EXPECT_EQ(ovspeech::tts::split_to_fit("one two three four", 12, speecht5_tokens), (Pieces{"one two", "three four"}));
    EXPECT_EQ(ovspeech::tts::split_to_fit("abcdefgh", 6, speecht5_tokens), (Pieces{"abcd", "efgh"}));
    // 449 a's: 451 tokens, one over; the cut keeps the first piece as long as it can be.
    const Pieces pieces = ovspeech::tts::split_to_fit(std::string(449, 'a'), 450, speecht5_tokens);
    EXPECT_EQ(pieces, (Pieces{std::string(448, 'a'), "a"}));
}

TEST(SplitToFitTest, RefusesACharacterThatAloneTakesMoreTokensThanTheModelTakes) {
    try {
        ovspeech::tts::split_to_fit("ab", 2, speecht5_tokens);
        FAIL() << "no error";
    } catch (const ovspeech::Error& e) {
        EXPECT_EQ(e.code(), ovspeech::ErrorCode::InvalidArgument);
        EXPECT_EQ(e.param(), "input");
        EXPECT_STREQ(e.what(), "input has a character that takes more than 2 tokens, all the model takes at once");
    }
}
