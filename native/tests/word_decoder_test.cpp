// The word-timestamp decoder variant on the tiny test model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "tests/tiny_whisper.h"
#include "whisper/cross_attention_scores.h"
#include "whisper/transcriber.h"

namespace {

namespace fs = std::filesystem;
using namespace ovspeech::whisper;

using ovspeech::test::kTinyWhisper;

class WordDecoderTest : public ovspeech::test::TinyWhisperTest<::testing::Test> {
protected:
    static void SetUpTestSuite() {
        TinyWhisperTest::SetUpTestSuite();
        std::vector<float> features(80 * 3000);
        std::mt19937 rng(7);
        std::normal_distribution<float> normal(-0.2f, 0.5f);
        for (float& value : features) value = normal(rng);
        const ov::Tensor encoded = session_->encode(features);
        hidden_states_ = ov::Tensor(ov::element::f32, encoded.get_shape());
        encoded.copy_to(hidden_states_);
    }

    // <|startoftranscript|> <|en|> <|transcribe|> <|notimestamps|>
    const std::vector<int64_t> prompt_ = {50258, 50259, 50359, 50363};
    static ov::Tensor hidden_states_;
};

ov::Tensor WordDecoderTest::hidden_states_;

std::vector<float> values_of(const ov::Tensor& tensor) {
    return {tensor.data<const float>(), tensor.data<const float>() + tensor.get_size()};
}

TEST_F(WordDecoderTest, DecomposedAttentionGivesTheSameLogitsAndExposesEachLayersScores) {
    DecoderSteps& plain = session_->decoder();
    plain.start(hidden_states_, prompt_);
    const std::vector<float> expected = values_of(plain.wait());
    plain.reset();

    WhisperDecoder& words = session_->word_decoder();
    words.start(hidden_states_, prompt_);
    const std::vector<float> logits = values_of(words.wait());
    ASSERT_EQ(logits.size(), expected.size());
    float deviation = 0;
    for (size_t i = 0; i < logits.size(); ++i) deviation = std::max(deviation, std::abs(logits[i] - expected[i]));
    EXPECT_LT(deviation, 1e-3f) << "the decomposition changes rounding only";
    for (size_t layer = 0; layer < 2; ++layer) {
        EXPECT_EQ(words.request().get_tensor(cross_attention_scores_output(layer)).get_shape(), (ov::Shape{1, 4, 4, 1500}));
    }
    words.reset();
}

TEST_F(WordDecoderTest, PositionLogitsAreTheLogitsOfEarlierPositions) {
    WhisperDecoder& words = session_->word_decoder();
    words.set_logit_positions({1, 3});
    words.start(hidden_states_, prompt_);
    const std::vector<float> last = values_of(words.wait());
    const ov::Tensor positions = words.position_logits();
    ASSERT_EQ(positions.get_shape(), (ov::Shape{1, 2, last.size()}));
    const std::vector<float> position_values = values_of(positions);
    EXPECT_EQ(std::vector<float>(position_values.begin() + static_cast<std::ptrdiff_t>(last.size()), position_values.end()), last);

    words.set_logit_positions({});
    words.start(hidden_states_, {50364});
    words.wait();
    EXPECT_EQ(words.position_logits().get_size(), 0u) << "no positions, no extra logits";
    words.reset();
}

TEST(WordTimestampsOptionTest, NeedsAlignmentHeads) {
    const fs::path dir = fs::temp_directory_path() / ("ovspeech-no-heads-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(kTinyWhisper)) {
        if (entry.path().filename() != "generation_config.json") fs::create_symlink(entry.path(), dir / entry.path().filename());
    }
    auto generation = nlohmann::json::parse(std::ifstream(kTinyWhisper / "generation_config.json"));
    generation.erase("alignment_heads");
    std::ofstream(dir / "generation_config.json") << generation.dump();

    const auto model = WhisperModel::load(dir, ovspeech::CompileOptions());
    const auto session = model->create_session();
    TranscriptionOptions options;
    options.word_timestamps = true;
    ovspeech::CancellationFlag never;
    try {
        transcribe(*session, std::vector<float>(16000), options, never);
        ADD_FAILURE() << "transcribe did not throw";
    } catch (const ovspeech::Error& e) {
        EXPECT_EQ(e.code(), ovspeech::ErrorCode::InvalidArgument);
        EXPECT_NE(std::string(e.what()).find("alignment_heads"), std::string::npos) << e.what();
    }
    fs::remove_all(dir);
}

}  // namespace
