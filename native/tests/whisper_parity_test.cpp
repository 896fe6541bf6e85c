// The plain C++ Whisper pipeline, without Node, against OpenVINO GenAI's outputs on the tiny test model
// (test/fixtures/reference). The node suite (test/engine/whisper.test.ts) checks every reference case through
// the addon, the path the server takes; running them all here too doubled about a minute of decoding. Here
// two 5 s cases stay: one with segment timestamps and one with word timestamps, which between them go
// through every stage of the core (features, encoder, stateful decoder, logit rules, timestamps, alignment).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/tiny_whisper.h"
#include "whisper/transcriber.h"

namespace {

using namespace ovspeech::whisper;

using ovspeech::test::kFixtures;

// The clip as float32 samples, decoded by ffmpeg exactly as the references were.
std::vector<float> load_clip(const std::string& name) {
    const std::string command = "ffmpeg -v error -i '" + (kFixtures / "audio" / name).string() + "' -f f32le -acodec pcm_f32le -";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run ffmpeg");
    std::vector<float> samples;
    float buffer[4096];
    size_t read;
    while ((read = fread(buffer, sizeof(float), 4096, pipe)) > 0) samples.insert(samples.end(), buffer, buffer + read);
    if (pclose(pipe) != 0) throw std::runtime_error("ffmpeg failed on " + name);
    return samples;
}

TranscriptionOptions options_of(const nlohmann::json& config) {
    TranscriptionOptions options;
    if (config.contains("language")) options.language = config["language"].get<std::string>();
    if (config.contains("task")) options.task = config["task"].get<std::string>();
    options.timestamps = config.value("return_timestamps", false);
    if (config.contains("initial_prompt")) options.initial_prompt = config["initial_prompt"].get<std::string>();
    if (config.contains("max_new_tokens")) options.max_new_tokens = config["max_new_tokens"].get<size_t>();
    options.word_timestamps = config.value("word_timestamps", false);
    return options;
}

class WhisperParityTest : public ovspeech::test::TinyWhisperTest<::testing::TestWithParam<nlohmann::json>> {};

// GenAI builds its pipeline with word_timestamps=True for the word cases, which changes its decoder.
class WhisperWordParityTest : public WhisperParityTest {};

std::vector<nlohmann::json> reference_case(const std::string& id) {
    std::ifstream in(kFixtures / "reference" / "whisper.json");
    const auto reference = nlohmann::json::parse(in);
    for (const auto& item : reference["cases"]) {
        if (item["id"] == id) return {item};
    }
    throw std::runtime_error("whisper.json has no case " + id);
}

std::string case_name(const ::testing::TestParamInfo<nlohmann::json>& info) {
    return info.param["id"].get<std::string>();
}

TranscriptionResult transcribe_case(WhisperSession& session, const nlohmann::json& expected) {
    ovspeech::CancellationFlag never;
    return transcribe(session, load_clip(expected["audio"]), options_of(expected["config"]), never);
}

void expect_transcript(const TranscriptionResult& result, const nlohmann::json& expected) {
    EXPECT_EQ(result.tokens, expected["tokens"].get<std::vector<int64_t>>());
    EXPECT_EQ(result.text, expected["text"].get<std::string>());
    EXPECT_EQ(result.language, expected["language"].get<std::string>());
    const auto& chunks = expected["chunks"];
    ASSERT_EQ(result.segments.size(), chunks.size());
    // Segment times are timestamp tokens times 0.02 s: equal tokens give equal times.
    for (size_t i = 0; i < chunks.size(); ++i) {
        EXPECT_FLOAT_EQ(result.segments[i].start, chunks[i]["start"].get<float>()) << "segment " << i;
        EXPECT_FLOAT_EQ(result.segments[i].end, chunks[i]["end"].get<float>()) << "segment " << i;
        EXPECT_EQ(result.segments[i].text, chunks[i]["text"].get<std::string>()) << "segment " << i;
    }
}

TEST_P(WhisperParityTest, MatchesGenAI) {
    const auto& expected = GetParam();
    const auto result = transcribe_case(*session_, expected);
    expect_transcript(result, expected);
    EXPECT_TRUE(result.words.empty());
}

TEST_P(WhisperWordParityTest, MatchesGenAIWithinOneFrame) {
    const auto& expected = GetParam();
    const auto result = transcribe_case(*session_, expected);
    expect_transcript(result, expected);
    const auto& words = expected["words"];
    ASSERT_EQ(result.words.size(), words.size());
    float start_deviation = 0;
    float end_deviation = 0;
    // Word times come from dynamic time warping over cross-attention weights (floats): within one 20 ms
    // frame of GenAI's, since a last-bit difference in a weight may move a boundary to the next frame.
    for (size_t i = 0; i < words.size(); ++i) {
        const WordTiming& word = result.words[i];
        EXPECT_EQ(word.word, words[i]["word"].get<std::string>()) << "word " << i;
        EXPECT_EQ(word.tokens, words[i]["tokens"].get<std::vector<int64_t>>()) << "word " << i;
        EXPECT_NEAR(word.start, words[i]["start"].get<float>(), 0.02f) << "word " << i;
        EXPECT_NEAR(word.end, words[i]["end"].get<float>(), 0.02f) << "word " << i;
        EXPECT_TRUE(word.probability > 0 && word.probability <= 1) << "word " << i << ": " << word.probability;
        start_deviation = std::max(start_deviation, std::abs(word.start - words[i]["start"].get<float>()));
        end_deviation = std::max(end_deviation, std::abs(word.end - words[i]["end"].get<float>()));
    }
    std::printf("%zu words; max deviation from GenAI: start %g s, end %g s\n", words.size(), start_deviation, end_deviation);
}

INSTANTIATE_TEST_SUITE_P(References, WhisperParityTest, ::testing::ValuesIn(reference_case("en_5s_timestamps")), case_name);
INSTANTIATE_TEST_SUITE_P(References, WhisperWordParityTest, ::testing::ValuesIn(reference_case("en_5s_words")), case_name);

}  // namespace
