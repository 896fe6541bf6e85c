#include "vad/silero_vad.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/error.h"

namespace {

using ovspeech::vad::SileroVadModel;

// The default set's Silero VAD, prepared by `npm run test:setup` (npm test runs it first).
const std::filesystem::path kVadDir = std::filesystem::path(OVSPEECH_SOURCE_DIR) / ".cache" / "real-models" / "snakers4" / "silero-vad";

std::shared_ptr<const SileroVadModel> load_model() {
    if (!std::filesystem::exists(kVadDir / SileroVadModel::kOnnxFile)) {
        ADD_FAILURE() << kVadDir << " has no " << SileroVadModel::kOnnxFile << ": run `npm run test:setup`";
        return nullptr;
    }
    return SileroVadModel::load(kVadDir, 1);
}

// 3 s of a voiced-like signal: a 140 Hz pulse train with harmonics, loud and quiet in turns, and noise.
std::vector<float> test_signal() {
    std::vector<float> samples(48000);
    std::mt19937 random(7);
    std::normal_distribution<float> noise(0.0f, 0.01f);
    for (size_t i = 0; i < samples.size(); ++i) {
        const double t = static_cast<double>(i) / 16000;
        double voiced = 0;
        for (int harmonic = 1; harmonic <= 10; ++harmonic) voiced += std::sin(2 * M_PI * 140 * harmonic * t) / harmonic;
        const double envelope = std::fmod(t, 1.0) < 0.6 ? 0.3 : 0.0;
        samples[i] = static_cast<float>(envelope * voiced) + noise(random);
    }
    return samples;
}

TEST(SileroVad, GivesTheSameProbabilitiesWhateverTheAudioArrivesIn) {
    const auto model = load_model();
    if (!model) return;
    const std::vector<float> samples = test_signal();
    ovspeech::CancellationFlag never;
    SileroVadModel::Stream whole(*model);
    const std::vector<float> expected = ovspeech::vad::speech_probabilities(whole, samples, never);
    ASSERT_EQ(expected.size(), (samples.size() + 511) / 512);

    // Pieces of odd sizes, from 1 sample to several frames.
    SileroVadModel::Stream pieces(*model);
    std::vector<float> got;
    size_t at = 0;
    for (size_t size = 1; at < samples.size(); size = size * 3 % 1500 + 1) {
        const size_t take = std::min(size, samples.size() - at);
        const std::vector<float> some = pieces.push(samples.data() + at, take);
        got.insert(got.end(), some.begin(), some.end());
        at += take;
    }
    const std::vector<float> last = pieces.finish();
    got.insert(got.end(), last.begin(), last.end());
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-6f) << "frame " << i;

    // A reset stream starts over: the same probabilities again.
    EXPECT_EQ(ovspeech::vad::speech_probabilities(whole, samples, never), expected);
}

TEST(SileroVad, StopsBetweenBlocksOnceCancelled) {
    const auto model = load_model();
    if (!model) return;
    SileroVadModel::Stream stream(*model);
    ovspeech::CancellationFlag cancelled;
    cancelled.cancel();
    try {
        ovspeech::vad::speech_probabilities(stream, std::vector<float>(16000 * 60), cancelled);
        FAIL() << "a cancelled detection ran";
    } catch (const ovspeech::Error& error) {
        EXPECT_EQ(error.code(), ovspeech::ErrorCode::Cancelled);
    }
}

TEST(SileroVad, RefusesAFolderWithoutItsModel) {
    const std::filesystem::path empty = std::filesystem::temp_directory_path() / "ovspeech-no-vad";
    std::filesystem::create_directories(empty);
    EXPECT_THROW(SileroVadModel::load(empty, 1), ovspeech::Error);
}

}  // namespace
