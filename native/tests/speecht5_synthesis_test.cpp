// SpeechT5 through the family-neutral contract, without Node, on the tiny test model: a unit's synthesis
// as resumable steps against the whole synthesis and OpenVINO GenAI's waveforms (test/fixtures/reference;
// the node suite checks every reference case through the addon), voices of the wrong kind, and the
// family's options.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "tests/tiny_whisper.h"
#include "tts/synthesizer.h"

namespace {

using namespace ovspeech::tts;
using ovspeech::CancellationFlag;
using ovspeech::Error;
using ovspeech::ErrorCode;
using ovspeech::test::kFixtures;

// As test/helpers/speechReference.ts: AVX2 and AVX-512 kernels round differently in the last bits
// (measured up to 3.4e-7 against these references); a wrong frame or stop step is far outside.
constexpr float kAudioTolerance = 2e-6f;

struct ReferenceCase {
    std::string text;
    std::string voice;
    OptionValues options;
    std::vector<float> audio;
};

ReferenceCase reference_case(const std::string& id) {
    std::ifstream in(kFixtures / "reference" / "speecht5.json");
    const nlohmann::json reference = nlohmann::json::parse(in);
    for (const nlohmann::json& item : reference["cases"]) {
        if (item["id"] != id) continue;
        ReferenceCase found{item["text"], item["voice"].is_null() ? "" : item["voice"].get<std::string>(), {}, {}};
        for (const auto& [name, value] : item["config"].items()) found.options[name] = value.get<double>();
        std::ifstream audio(kFixtures / "reference" / item["file"].get<std::string>(), std::ios::binary);
        const std::vector<char> bytes{std::istreambuf_iterator<char>(audio), std::istreambuf_iterator<char>()};
        found.audio.resize(bytes.size() / sizeof(float));
        std::memcpy(found.audio.data(), bytes.data(), found.audio.size() * sizeof(float));
        EXPECT_EQ(found.audio.size(), item["samples"].get<size_t>());
        return found;
    }
    throw std::runtime_error("no reference case " + id);
}

float max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
    float max = 0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) max = std::max(max, std::fabs(a[i] - b[i]));
    return max;
}

class SpeechT5Test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ovspeech::CompileOptions compile;
        compile.inference_precision = "f32";  // as GenAI's references were made
        model_ = TtsModel::load(kFixtures / "models" / "tiny-speecht5", compile);
        voices_ = std::make_unique<VoiceLibrary>(VoiceLibrary::load(*model_, std::nullopt, {}));
        session_ = model_->create_session();
    }
    static void TearDownTestSuite() {
        session_.reset();
        voices_.reset();
        model_.reset();
    }

    // The whole synthesis as the server runs it, as GenAI does: one unit, no normalizer.
    static std::vector<float> synthesize_whole(TtsSession& session, const ReferenceCase& item, OptionValues options) {
        SpeechRequest request;
        request.text = item.text;
        request.voice = item.voice;
        request.normalize = false;
        request.split = false;
        request.options = std::move(options);
        std::vector<float> audio;
        synthesize_speech(session, *model_, *voices_, request, CancellationFlag(),
                          [&](std::vector<float>&& chunk) { audio.insert(audio.end(), chunk.begin(), chunk.end()); });
        return audio;
    }

    inline static std::shared_ptr<const TtsModel> model_;
    inline static std::unique_ptr<VoiceLibrary> voices_;
    inline static std::unique_ptr<TtsSession> session_;
};

TEST_F(SpeechT5Test, StepsDrivenOneAtATimeGiveTheWholeSynthesis) {
    for (const std::string id : {"short_alto_minlenratio", "short_tenor_threshold", "long_alto_maxlenratio"}) {
        const ReferenceCase item = reference_case(id);
        UnitTimings timings;
        const std::unique_ptr<UnitSynthesis> unit =
            session_->start(session_->tokenize(item.text), voices_->resolve(item.voice), item.options, 1.0, timings);
        size_t steps = 1;
        while (unit->step()) ++steps;
        EXPECT_FALSE(unit->step()) << id;  // a finished unit stays finished
        const std::vector<float> stepped = unit->finish();
        // The encoder, each decoder step, then postnet and vocoder.
        EXPECT_EQ(steps, timings.decoder_steps + 2) << id;
        EXPECT_EQ(stepped, synthesize_whole(*session_, item, item.options)) << id;
        ASSERT_EQ(stepped.size(), item.audio.size()) << id;
        EXPECT_LE(max_abs_difference(stepped, item.audio), kAudioTolerance) << id;
    }
}

TEST_F(SpeechT5Test, UnitsOfTwoSessionsInterleavedStepByStepGiveTheirOwnAudio) {
    const ReferenceCase first = reference_case("short_alto");
    const ReferenceCase second = reference_case("short_tenor_threshold");
    const std::unique_ptr<TtsSession> other = model_->create_session();
    UnitTimings timings;
    const auto a = session_->start(session_->tokenize(first.text), voices_->resolve(first.voice), first.options, 1.0, timings);
    const auto b = other->start(other->tokenize(second.text), voices_->resolve(second.voice), second.options, 1.0, timings);
    bool a_running = true;
    bool b_running = true;
    while (a_running || b_running) {
        if (a_running) a_running = a->step();
        if (b_running) b_running = b->step();
    }
    EXPECT_LE(max_abs_difference(a->finish(), first.audio), kAudioTolerance);
    const std::vector<float> b_audio = b->finish();
    ASSERT_EQ(b_audio.size(), second.audio.size());
    EXPECT_LE(max_abs_difference(b_audio, second.audio), kAudioTolerance);
}

TEST_F(SpeechT5Test, RefusesAVoiceOfAnotherKind) {
    UnitTimings timings;
    for (const Voice& voice : {Voice{SpeakerId{3}}, Voice{}, Voice{SpeakerEmbedding(16, 0.1f)}}) {
        try {
            session_->start(session_->tokenize("Hello."), voice, {}, 1.0, timings);
            FAIL() << "accepted a voice of index " << voice.index();
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
            EXPECT_EQ(e.param(), "voice");
            EXPECT_STREQ(e.what(), "a SpeechT5 voice is a speaker embedding of 512 floats");
        }
    }
    EXPECT_TRUE(std::holds_alternative<SpeakerEmbedding>(voices_->resolve("alloy")));
}

TEST_F(SpeechT5Test, ChecksTheFamilysOptionsByName) {
    const auto refusal = [](const OptionValues& options) {
        SpeechRequest request;
        request.text = "Hello.";
        request.options = options;
        try {
            synthesize_speech(*session_, *model_, *voices_, request, CancellationFlag(), [](std::vector<float>&&) {});
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
            return e.param() + ": " + e.what();
        }
        return std::string("accepted");
    };
    EXPECT_EQ(refusal({{"noise_scale", 0.667}}),
              "noise_scale: unknown option \"noise_scale\" for a speecht5 model; it takes: minlenratio, maxlenratio, threshold");
    // Worded as the addon words JS numbers.
    EXPECT_EQ(refusal({{"maxlenratio", 1e-7}}),
              "maxlenratio: Expected number between 0.01 and 100 for maxlenratio but received 1e-7 of type number");
    EXPECT_EQ(refusal({{"threshold", NAN}}),
              "threshold: Expected number between 0.001 and 2 for threshold but received NaN of type number");
    EXPECT_EQ(refusal({{"minlenratio", 1e30}}),
              "minlenratio: Expected number between 0 and 100 for minlenratio but received 1e+30 of type number");
    EXPECT_EQ(refusal({{"minlenratio", 5}, {"maxlenratio", 1}}),
              ": decoding needs 0 <= minlenratio <= maxlenratio, maxlenratio > 0 and threshold > 0");
    const std::vector<OptionSpec>& specs = model_->option_specs();
    ASSERT_EQ(specs.size(), 3u);
    EXPECT_EQ(specs[1].name, "maxlenratio");
    EXPECT_EQ(specs[1].default_value, 20.0);
    EXPECT_FALSE(model_->controls_speed());  // SpeechT5's speed is the synthesizer's time-stretch
}

TEST_F(SpeechT5Test, ChecksCancellationBeforeEveryStep) {
    CancellationFlag cancellation;
    cancellation.cancel();
    UnitTimings timings;
    try {
        synthesize_unit(*session_, session_->tokenize("Hello."), voices_->resolve(""), {}, 1.0, cancellation, timings);
        FAIL() << "not cancelled";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Cancelled);
    }
    EXPECT_EQ(timings.decoder_steps, 0u);
}

}  // namespace
