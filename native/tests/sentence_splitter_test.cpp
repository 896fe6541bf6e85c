#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/utf8.h"
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
std::vector<int64_t> speecht5_tokens(const std::string& text) {
    std::vector<int64_t> tokens{4};
    for (const char c : text) tokens.push_back(static_cast<unsigned char>(c));
    tokens.push_back(2);
    return tokens;
}

Pieces split_to_fit(const std::string& text, size_t max_tokens) {
    Pieces pieces;
    for (const ovspeech::tts::TokenizedPiece& piece : ovspeech::tts::split_to_fit(text, max_tokens, speecht5_tokens)) {
        EXPECT_EQ(piece.tokens, speecht5_tokens(piece.text));
        pieces.push_back(piece.text);
    }
    return pieces;
}

// Every piece fits the limit, and the pieces, joined, give back the text's non-space characters in order.
void expect_fits(const std::string& text, size_t max_tokens) {
    const Pieces pieces = split_to_fit(text, max_tokens);
    std::string joined;
    for (const std::string& piece : pieces) {
        EXPECT_LE(speecht5_tokens(piece).size(), max_tokens) << piece;
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
    const Pieces dots = split_to_fit(std::string(4096, '.'), 450);
    ASSERT_EQ(dots.size(), 10u);
    EXPECT_EQ(dots.front().size(), 448u);
    EXPECT_EQ(dots.back().size(), 64u);
}

TEST(SplitToFitTest, TextThatFitsIsOnePieceUnchanged) {
    EXPECT_EQ(split_to_fit(" Hello world. ", 450), (Pieces{" Hello world. "}));
    EXPECT_EQ(split_to_fit(std::string(448, 'a'), 450), (Pieces{std::string(448, 'a')}));
}

// Each piece comes with the tokens it was measured by: a unit is tokenized once (espeak-ng runs once a
// unit for a Piper voice).
TEST(SplitToFitTest, TokenizesTextThatFitsOnceAndHandsOutEachPiecesTokens) {
    std::vector<std::string> tokenized;
    const auto tokenize = [&](const std::string& text) {
        tokenized.push_back(text);
        return speecht5_tokens(text);
    };
    const std::vector<ovspeech::tts::TokenizedPiece> whole = ovspeech::tts::split_to_fit("Hello world.", 450, tokenize);
    ASSERT_EQ(whole.size(), 1u);
    EXPECT_EQ(whole[0].tokens, speecht5_tokens("Hello world."));
    EXPECT_EQ(tokenized, (std::vector<std::string>{"Hello world."}));
    tokenized.clear();
    const std::vector<ovspeech::tts::TokenizedPiece> cut = ovspeech::tts::split_to_fit("one two, three four", 14, tokenize);
    ASSERT_EQ(cut.size(), 2u);
    EXPECT_EQ(cut[1].tokens, speecht5_tokens("three four"));
    // The text, then its pieces under one budget, each once.
    EXPECT_EQ(tokenized, (std::vector<std::string>{"one two, three four", "one two,", "three four"}));
}

TEST(SplitToFitTest, CutsAtClauseMarksThenSpacesThenAnywhere) {
    EXPECT_EQ(split_to_fit("one two, three four", 14), (Pieces{"one two,", "three four"}));
    EXPECT_EQ(split_to_fit("one two three four", 12), (Pieces{"one two", "three four"}));
    EXPECT_EQ(split_to_fit("abcdefgh", 6), (Pieces{"abcd", "efgh"}));
    // 449 a's: 451 tokens, one over; the cut keeps the first piece as long as it can be.
    const Pieces pieces = split_to_fit(std::string(449, 'a'), 450);
    EXPECT_EQ(pieces, (Pieces{std::string(448, 'a'), "a"}));
}

TEST(SplitToFitTest, RefusesACharacterThatAloneTakesMoreTokensThanTheModelTakes) {
    try {
        split_to_fit("ab", 2);
        FAIL() << "no error";
    } catch (const ovspeech::Error& e) {
        EXPECT_EQ(e.code(), ovspeech::ErrorCode::InvalidArgument);
        EXPECT_EQ(e.param(), "input");
        EXPECT_STREQ(e.what(), "input has a character that takes more than 2 tokens, all the model takes at once");
    }
}

namespace {

using ovspeech::tts::next_sentence_end;

// The pieces of `text` as next_sentence_end() gives them while it arrives 1, 2, 3, 1, 2, 3... code points
// at a time, as a chat reply streams, the rest once it is over.
Pieces stream(const std::string& text, size_t max_chars) {
    Pieces pieces;
    std::string buffer;
    const auto take = [&](bool final) {
        while (const std::optional<size_t> end = next_sentence_end(buffer, max_chars, final)) {
            pieces.push_back(buffer.substr(0, *end));
            buffer.erase(0, *end);
        }
    };
    size_t arrived = 0;
    for (size_t step = 0; arrived < text.size(); ++step) {
        size_t until = arrived;
        for (size_t k = 0; k < 1 + step % 3 && until < text.size(); ++k) until += ovspeech::decode_utf8(text, until).length;
        buffer += text.substr(arrived, until - arrived);
        arrived = until;
        take(false);
    }
    take(true);
    return pieces;
}

// The pieces of the whole text at once.
Pieces all_at_once(const std::string& text, size_t max_chars) {
    Pieces pieces;
    std::string rest = text;
    while (const std::optional<size_t> end = next_sentence_end(rest, max_chars, true)) {
        pieces.push_back(rest.substr(0, *end));
        rest.erase(0, *end);
    }
    return pieces;
}

Pieces trimmed(const Pieces& pieces) {
    Pieces kept;
    for (const std::string& piece : pieces) {
        const std::vector<std::string> trimmed_piece = split_sentences(piece, kRoomy);
        kept.insert(kept.end(), trimmed_piece.begin(), trimmed_piece.end());
    }
    return kept;
}

// Streamed or not, the pieces concatenate to the text, and trimmed they are split_sentences()'s.
void expect_streams_as_split(const std::string& text, size_t max_chars) {
    const Pieces streamed = stream(text, max_chars);
    EXPECT_EQ(join(streamed, ""), text);
    EXPECT_EQ(streamed, all_at_once(text, max_chars)) << "input: " << text;
    EXPECT_EQ(trimmed(streamed), split_sentences(text, max_chars)) << "input: " << text;
}

}  // namespace

TEST(NextSentenceEndTest, StreamedTextGivesTheSentencesOfTheWholeText) {
    EXPECT_EQ(stream("Dr. Smith went home. Then", kRoomy), (Pieces{"Dr. Smith went home. ", "Then"}));
    EXPECT_EQ(stream("It is 3.5 degrees. Yes", kRoomy), (Pieces{"It is 3.5 degrees. ", "Yes"}));
    EXPECT_EQ(stream("你好。再见！ 好的", kRoomy), (Pieces{"你好。", "再见！ ", "好的"}));
    EXPECT_EQ(stream("Fruit, e.g. apples. And i.e. pears.\n\nNext", kRoomy),
              (Pieces{"Fruit, e.g. apples. ", "And i.e. pears.\n", "\n", "Next"}));
    EXPECT_EQ(stream("Wait... what? \"Stop!\" she said. Ok", kRoomy), (Pieces{"Wait... what? ", "\"Stop!\" she said. ", "Ok"}));
    for (const std::string text :
         {"Hello world. How are you? I'm fine! Thanks.", "  One sentence without an end  ", "Mr. Smith met Dr. Jones. They talked.",
          "We met at 5 p.m. on Main St. in town.", "I. M. Pei built it. I. Then I left. It was I.", "Item No. 5 is gone. No. It is not.",
          "J. R. R. Tolkien wrote it. Version 2.0 of example.com is out.", "Grüße aus Köln. Wie geht's? Gut.",
          "- one\n- two\r\n\r\n\tthree. ", "(He left.) [Done!] «Oui.» 」end", "你好。再见！好的。", "Bad \xFF byte. Next.", "\xE4\xBD",
          "Ellipsis… Next", "a. b. C. d", ""}) {
        expect_streams_as_split(text, kRoomy);
    }
}

TEST(NextSentenceEndTest, CutsWhatGrowsBeyondMaxCharsBeforeItsEndArrives) {
    EXPECT_EQ(stream("aaa bbb ccc ddd", 8), (Pieces{"aaa bbb ", "ccc ddd"}));
    EXPECT_EQ(stream("abcdefghij", 4), (Pieces{"abcd", "efgh", "ij"}));
    EXPECT_EQ(stream("ab😀cd", 3), (Pieces{"ab😀", "cd"}));
    EXPECT_EQ(stream("one two, three four. Five", 14), (Pieces{"one two, ", "three four. ", "Five"}));
    for (const size_t max_chars : {1, 2, 3, 5, 8, 13}) {
        for (const std::string text :
             {"The quick brown fox, which jumped; over the dog — twice. Done. Dr. Who?", "这是一个很长的句子，没有标点符号也要切开。好",
              "aaaaaaaaaa. bbbbbbbbbbbbbb cc", "I. M. Pei, e.g. the architect. Yes"}) {
            expect_streams_as_split(text, max_chars);
        }
    }
}

TEST(NextSentenceEndTest, DecidesAnEndOnlyOnceTheTextAfterItTells) {
    EXPECT_EQ(next_sentence_end("Dr. Smith went home.", kRoomy, false), std::nullopt);
    EXPECT_EQ(next_sentence_end("Dr. Smith went home. ", kRoomy, false), std::nullopt) << "the next word may be lowercase";
    EXPECT_EQ(next_sentence_end("Dr. Smith went home. T", kRoomy, false), 21u);
    EXPECT_EQ(next_sentence_end("Dr. Smith went home. t", kRoomy, false), std::nullopt);
    EXPECT_EQ(next_sentence_end("Dr", kRoomy, false), std::nullopt);
    EXPECT_EQ(next_sentence_end("Dr.", kRoomy, false), std::nullopt);
    EXPECT_EQ(next_sentence_end("Dr. S", kRoomy, false), std::nullopt);
    EXPECT_EQ(next_sentence_end("It is 3.", kRoomy, false), std::nullopt);
    EXPECT_EQ(next_sentence_end("Hello.\n", kRoomy, false), 7u) << "a line break ends it either way";
    EXPECT_EQ(next_sentence_end("It was I. M", kRoomy, false), std::nullopt) << "initials may follow";
    EXPECT_EQ(next_sentence_end("It was I. Me", kRoomy, false), 10u);
    EXPECT_EQ(next_sentence_end("你好。", kRoomy, false), std::nullopt) << "more marks may close it";
    EXPECT_EQ(next_sentence_end("你好。再", kRoomy, false), 9u);
    EXPECT_EQ(next_sentence_end("Dr. Smith went home.", kRoomy, true), 20u);
    EXPECT_EQ(next_sentence_end("", kRoomy, true), std::nullopt);
    EXPECT_EQ(next_sentence_end("   ", kRoomy, true), 3u);
}
