// Per-token log-probs with their bytes (OpenAI's include[]=logprobs) on the tiny test model.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/tiny_whisper.h"
#include "tests/wav_file.h"
#include "whisper/transcriber.h"

namespace {

using namespace ovspeech::whisper;
using ovspeech::test::kFixtures;

const std::string kReplacement = "\xEF\xBF\xBD";

std::string joined_bytes(const std::vector<TokenLogprob>& logprobs) {
    std::string bytes;
    for (const TokenLogprob& entry : logprobs) bytes += entry.bytes;
    return bytes;
}

struct Streamed {
    TranscriptionResult result;
    std::vector<TextDelta> deltas;
};

class TokenLogprobsTest : public ovspeech::test::TinyWhisperTest<::testing::Test> {
protected:
    static Streamed transcribe_streaming(const std::string& clip, bool logprobs, bool timestamps = false) {
        TranscriptionOptions options;
        options.language = "en";
        options.logprobs = logprobs;
        options.timestamps = timestamps;
        Streamed streamed;
        TranscriptionEvents events;
        events.on_text = [&](const TextDelta& delta) { streamed.deltas.push_back(delta); };
        const std::vector<float> samples = ovspeech::test::read_wav(kFixtures / "audio" / clip).samples;
        streamed.result = transcribe(*session_, samples, options, ovspeech::CancellationFlag(), events);
        return streamed;
    }

    // The result's tokens that are not special, with their log-probs.
    static std::pair<std::vector<int64_t>, std::vector<float>> text_tokens(const TranscriptionResult& result) {
        std::pair<std::vector<int64_t>, std::vector<float>> text;
        for (size_t i = 0; i < result.tokens.size(); ++i) {
            if (model_->config().is_special(result.tokens[i])) continue;
            text.first.push_back(result.tokens[i]);
            text.second.push_back(result.token_logprobs[i]);
        }
        return text;
    }
};

// Why token_bytes() exists: the detokenizer IR turns a token that is part of a character (94 is the
// byte 0xA1 alone) into U+FFFD. Special tokens have no bytes; timestamp tokens have their text.
TEST_F(TokenLogprobsTest, TokenBytesKeepWhatTheDetokenizerReplaces) {
    WhisperTokenizer& tokenizer = session_->tokenizer();
    EXPECT_EQ(tokenizer.decode({94}), kReplacement);
    EXPECT_EQ(tokenizer.token_bytes({94, 220, 94, 50257, 50364}), (std::vector<std::string>{"\xA1", " ", "\xA1", "", "<|0.00|>"}));
    EXPECT_EQ(tokenizer.token_bytes({}), std::vector<std::string>());
}

TEST_F(TokenLogprobsTest, OneEntryPerTextTokenWhoseBytesSpellTheText) {
    const TranscriptionResult result = transcribe_streaming("en_5s.wav", true).result;
    ASSERT_TRUE(result.logprobs);
    const auto& logprobs = *result.logprobs;
    const auto [tokens, token_logprobs] = text_tokens(result);
    ASSERT_EQ(tokens.size(), result.tokens.size() - 1) << "all but the final <|endoftext|>";
    ASSERT_EQ(logprobs.size(), tokens.size());
    for (size_t i = 0; i < logprobs.size(); ++i) {
        EXPECT_EQ(logprobs[i].logprob, token_logprobs[i]) << i;
        EXPECT_LE(logprobs[i].logprob, 0.0f) << i;
        EXPECT_FALSE(logprobs[i].bytes.empty()) << i;
    }
    EXPECT_EQ(joined_bytes(logprobs), result.text);
    EXPECT_EQ(result.text[0], ' ') << "GenAI keeps the leading space, and so do the bytes";
    // The random model emits timestamp tokens without timestamps too; they are part of the text.
    EXPECT_NE(result.text.find("<|24.10|>"), std::string::npos);
}

TEST_F(TokenLogprobsTest, TokensThatArePartOfACharacterKeepTheirBytes) {
    const TranscriptionResult result = transcribe_streaming("en_1s.wav", true).result;
    const auto& logprobs = *result.logprobs;
    const std::vector<int64_t> tokens = text_tokens(result).first;
    ASSERT_EQ(logprobs.size(), tokens.size());
    size_t partial = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (session_->tokenizer().decode({tokens[i]}).find(kReplacement) == std::string::npos) continue;
        ++partial;
        EXPECT_EQ(logprobs[i].bytes.find(kReplacement), std::string::npos) << i;
        EXPECT_LE(logprobs[i].bytes.size(), 3u) << i;
        EXPECT_GE(static_cast<unsigned char>(logprobs[i].bytes[0]), 0x80) << i;
    }
    EXPECT_EQ(partial, 4u);
}

TEST_F(TokenLogprobsTest, DeltasCarryTheTokensTheyComplete) {
    for (const bool timestamps : {false, true}) {
        SCOPED_TRACE(timestamps ? "with timestamps" : "without timestamps");
        const Streamed streamed = transcribe_streaming("en_5s.wav", true, timestamps);
        ASSERT_TRUE(streamed.result.logprobs);
        ASSERT_GT(streamed.deltas.size(), timestamps ? 0u : 20u);
        std::vector<TokenLogprob> joined;
        std::string text;
        for (const TextDelta& delta : streamed.deltas) {
            ASSERT_TRUE(delta.logprobs);
            EXPECT_EQ(joined_bytes(*delta.logprobs), delta.text);
            joined.insert(joined.end(), delta.logprobs->begin(), delta.logprobs->end());
            text += delta.text;
        }
        EXPECT_EQ(text, streamed.result.text);
        ASSERT_EQ(joined.size(), streamed.result.logprobs->size());
        for (size_t i = 0; i < joined.size(); ++i) {
            EXPECT_EQ(joined[i].bytes, (*streamed.result.logprobs)[i].bytes) << i;
            EXPECT_EQ(joined[i].logprob, (*streamed.result.logprobs)[i].logprob) << i;
        }
    }
}

// The deltas detokenize only the tokens since the last one, and give what detokenizing the whole window
// after each token gives, U+FFFD of an incomplete character held back: the clips where the random model
// ends tokens inside characters and makes invalid UTF-8.
TEST_F(TokenLogprobsTest, DeltasAreWhatTheWholeWindowsTextGrowsBy) {
    for (const std::string clip : {"en_1s.wav", "de_5s.wav"}) {
        SCOPED_TRACE(clip);
        const Streamed streamed = transcribe_streaming(clip, true);
        const std::vector<int64_t>& tokens = streamed.result.tokens;
        std::vector<std::string> expected;
        std::string emitted;
        for (size_t k = 1; k <= tokens.size(); ++k) {
            const std::string text = session_->tokenizer().decode({tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(k)});
            const bool incomplete = text.size() >= kReplacement.size() &&
                                    text.compare(text.size() - kReplacement.size(), kReplacement.size(), kReplacement) == 0;
            if (incomplete || text.size() <= emitted.size()) continue;
            ASSERT_EQ(text.compare(0, emitted.size(), emitted), 0) << k;
            expected.push_back(text.substr(emitted.size()));
            emitted = text;
        }
        if (streamed.result.text.size() > emitted.size()) expected.push_back(streamed.result.text.substr(emitted.size()));
        std::vector<std::string> deltas;
        for (const TextDelta& delta : streamed.deltas) deltas.push_back(delta.text);
        EXPECT_EQ(deltas, expected);
        EXPECT_NE(streamed.result.text.find(kReplacement), std::string::npos) << "the clip has invalid UTF-8 in its text";
    }
}

TEST_F(TokenLogprobsTest, NothingWithoutTheOption) {
    const Streamed with = transcribe_streaming("en_5s.wav", true);
    const Streamed without = transcribe_streaming("en_5s.wav", false);
    EXPECT_FALSE(without.result.logprobs);
    ASSERT_EQ(without.deltas.size(), with.deltas.size());
    for (const TextDelta& delta : without.deltas) EXPECT_FALSE(delta.logprobs);
    EXPECT_EQ(without.result.tokens, with.result.tokens);
    EXPECT_EQ(without.result.text, with.result.text);
}

}  // namespace
