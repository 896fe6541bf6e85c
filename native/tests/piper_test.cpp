// The Piper family: Piper's phoneme ids (BOS, pads, EOS, unknown phonemes left out, phoneme_map), clauses
// and their punctuation, espeak-ng run as a program (its IPA, a missing program or voice), how a Piper
// folder is recognized and refused, and the tiny generated voices of test/fixtures/piper (Piper's inputs
// and output, one Ceiling on the durations, RandomNormalLike noise): speakers, seed, speed through
// length_scale. The real voice is test/real's.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/cancellation.h"
#include "common/error.h"
#include "tts/piper_model.h"
#include "tts/piper_phonemes.h"
#include "tts/synthesizer.h"
#include "tts/voices.h"

namespace fs = std::filesystem;
using ovspeech::Error;
using ovspeech::ErrorCode;
using namespace ovspeech::tts;

namespace {

const nlohmann::json kMap = {{"phoneme_id_map", {{"_", {0}}, {"^", {1}}, {"$", {2}}, {" ", {3}}, {"a", {4}}, {"b", {5, 6}}, {"ə", {7}}}}};

template <typename Call>
Error error_of(Call call) {
    try {
        call();
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "no error";
    return Error(ErrorCode::Internal, "");
}

TEST(PiperPhonemeIds, BeginPadBetweenEveryPhonemeAndEnd) {
    const PhonemeIdMap map = PhonemeIdMap::from_json(kMap, "voice.onnx.json");
    EXPECT_EQ(map.ids("ab ə"), (std::vector<int64_t>{1, 0, 4, 0, 5, 6, 0, 3, 0, 7, 0, 2}));
    EXPECT_EQ(map.ids(""), (std::vector<int64_t>{1, 0, 2}));
}

TEST(PiperPhonemeIds, PhonemesTheMapLacksAreLeftOutAsPiperLeavesThem) {
    const PhonemeIdMap map = PhonemeIdMap::from_json(kMap, "voice.onnx.json");
    EXPECT_EQ(map.ids("axəɫ"), (std::vector<int64_t>{1, 0, 4, 0, 7, 0, 2}));
}

TEST(PiperPhonemeIds, PhonemeMapPutsPhonemesInPlaceOfOthers) {
    nlohmann::json config = kMap;
    config["phoneme_map"] = {{"c", {"a", "b"}}};
    EXPECT_EQ(PhonemeIdMap::from_json(config, "voice.onnx.json").ids("c"), (std::vector<int64_t>{1, 0, 4, 0, 5, 6, 0, 2}));
}

TEST(PiperPhonemeIds, AMapWithoutItsSpecialSymbolsOrOfWrongShapeIsRefused) {
    EXPECT_EQ(std::string(error_of([] {
                              PhonemeIdMap::from_json({{"audio", {}}}, "v.onnx.json in /m");
                          }).what()),
              "v.onnx.json in /m has no phoneme_id_map");
    nlohmann::json config = kMap;
    config["phoneme_id_map"].erase("$");
    const Error no_end = error_of([&] { PhonemeIdMap::from_json(config, "v.onnx.json"); });
    EXPECT_EQ(no_end.code(), ErrorCode::UnsupportedModel);
    EXPECT_EQ(std::string(no_end.what()), "v.onnx.json's phoneme_id_map lacks \"$\"");
    config = kMap;
    config["phoneme_id_map"]["ab"] = {8};
    EXPECT_EQ(std::string(error_of([&] { PhonemeIdMap::from_json(config, "v.onnx.json"); }).what()),
              "v.onnx.json has the phoneme \"ab\", which is not one character");
    config = kMap;
    config["phoneme_id_map"]["a"] = "4";
    EXPECT_EQ(std::string(error_of([&] { PhonemeIdMap::from_json(config, "v.onnx.json"); }).what()),
              "phoneme_id_map[\"a\"] in v.onnx.json is not a list of ids");
}

TEST(PiperClauses, EachClauseKeepsThePunctuationPiperWritesAfterIt) {
    const std::vector<Clause> clauses = split_clauses("Hello, world. How are you? Fine!  Well: yes; no");
    ASSERT_EQ(clauses.size(), 7u);
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"Hello,", ", "}, {" world.", "."}, {" How are you?", "?"}, {" Fine!", "!"}, {"  Well:", ": "}, {" yes;", "; "}, {" no", ""}};
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(clauses[i].text, expected[i].first);
        EXPECT_EQ(clauses[i].terminator, expected[i].second);
    }
}

TEST(PiperClauses, MarksInsideNumbersAndRunsOfMarks) {
    std::vector<Clause> clauses = split_clauses("It costs 3.5 or 1,000 dollars");
    ASSERT_EQ(clauses.size(), 1u);
    EXPECT_EQ(clauses[0].terminator, "");
    clauses = split_clauses("Wait... what?! ");
    ASSERT_EQ(clauses.size(), 2u);
    EXPECT_EQ(clauses[0].text, "Wait...");
    EXPECT_EQ(clauses[0].terminator, ".");
    EXPECT_EQ(clauses[1].terminator, "!");
    EXPECT_TRUE(split_clauses(" \n ").empty());
}

TEST(EspeakPhonemizer, GivesEspeakNgsIpaWithPipersPunctuation) {
    const EspeakPhonemizer phonemizer("en-us");
    phonemizer.check();
    EXPECT_EQ(phonemizer.phonemize("Hello, world."), "həlˈoʊ, wˈɜːld.");
    EXPECT_EQ(phonemizer.phonemize("Is it? Yes"), "ɪz ˈɪt? jˈɛs");
    EXPECT_EQ(phonemizer.phonemize("...."), "") << "nothing to say";
}

TEST(EspeakPhonemizer, TextThatLooksLikeOptionsIsOnlyText) {
    const EspeakPhonemizer phonemizer("en-us");
    EXPECT_EQ(phonemizer.phonemize("--version"), phonemizer.phonemize("version"));
}

TEST(EspeakPhonemizer, AMissingProgramOrVoiceSaysWhatIsMissing) {
    const EspeakPhonemizer missing("en-us", "ovspeech-no-espeak");
    const Error at_load = error_of([&] { missing.check(); });
    EXPECT_EQ(at_load.code(), ErrorCode::UnsupportedModel);
    const std::string message =
        "a Piper voice needs the ovspeech-no-espeak program to turn text into phonemes, and there is none on PATH (Debian: apt-get "
        "install espeak-ng)";
    EXPECT_EQ(std::string(at_load.what()), message);
    const Error at_use = error_of([&] { missing.phonemize("Hello."); });
    EXPECT_EQ(at_use.code(), ErrorCode::Internal);
    EXPECT_EQ(std::string(at_use.what()), message);

    const Error no_voice = error_of([] { EspeakPhonemizer("xx-nowhere").check(); });
    EXPECT_EQ(no_voice.code(), ErrorCode::UnsupportedModel);
    EXPECT_EQ(std::string(no_voice.what()).rfind("espeak-ng cannot phonemize with the voice \"xx-nowhere\" (exit code 1)", 0), 0u)
        << no_voice.what();
}

class PiperFolder : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("ovspeech-piper-" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
    Error load_error() {
        return error_of([&] { TtsModel::load(dir_, {}); });
    }
    fs::path dir_;
};

TEST_F(PiperFolder, IsRecognizedByTheOnnxBesideItsJson) {
    write("voice.onnx", "");
    EXPECT_FALSE(PiperModel::model_family().recognizes(ovspeech::read_folder_contents(dir_)));
    write("voice.onnx.json", "{}");
    EXPECT_TRUE(PiperModel::model_family().recognizes(ovspeech::read_folder_contents(dir_)));
    write("config.json", R"({"model_type": "speecht5"})");
    EXPECT_FALSE(PiperModel::model_family().recognizes(ovspeech::read_folder_contents(dir_)));
}

TEST_F(PiperFolder, ABrokenVoiceIsRefusedNamingWhatIsWrong) {
    write("voice.onnx", "not onnx");
    write("voice.onnx.json", R"({"espeak": {"voice": "en-us"}, "audio": {"sample_rate": 22050}})");
    Error error = load_error();
    EXPECT_EQ(error.code(), ErrorCode::UnsupportedModel);
    EXPECT_EQ(std::string(error.what()), "voice.onnx.json in " + dir_.string() + " has no phoneme_id_map");

    write("voice.onnx.json", nlohmann::json{{"espeak", {{"voice", "en-us"}}}, {"phoneme_id_map", kMap["phoneme_id_map"]}}.dump());
    EXPECT_EQ(std::string(load_error().what()),
              "voice.onnx.json in " + dir_.string() + " has no audio.sample_rate between 1000 and 384000");

    write("voice.onnx.json",
          nlohmann::json{{"espeak", {{"voice", "en-us"}}}, {"audio", {{"sample_rate", 22050}}}, {"phoneme_id_map", kMap["phoneme_id_map"]}}
              .dump());
    error = load_error();
    EXPECT_EQ(error.code(), ErrorCode::UnsupportedModel);
    EXPECT_EQ(std::string(error.what()).rfind("cannot read voice.onnx in " + dir_.string() + ": ", 0), 0u) << error.what();

    write("other.onnx", "");
    write("other.onnx.json", "{}");
    EXPECT_EQ(std::string(load_error().what()),
              dir_.string() + " holds 2 Piper voices (<voice>.onnx with <voice>.onnx.json); give each its own folder");
}

const fs::path kTinyVoices = fs::path(OVSPEECH_SOURCE_DIR) / "test" / "fixtures" / "piper";
const std::string kText = "The quick brown fox jumps over the lazy dog.";
// Samples of one frame: the tiny voices' "vocoder", as Piper's, makes 256 a frame.
constexpr size_t kHop = 256;

std::shared_ptr<const PiperModel> load_tiny(const std::string& name) {
    ovspeech::CompileOptions options;
    options.inference_precision = "f32";
    return PiperModel::load(kTinyVoices / name, options);
}

struct Spoken {
    std::vector<float> samples;
    UnitTimings timings;
};

Spoken speak(const PiperModel& model, TtsSession& session, const std::string& voice, double speed, OptionValues options = {}) {
    const VoiceLibrary voices = VoiceLibrary::load(model, std::nullopt, {});
    SpeechRequest request;
    request.text = kText;
    request.voice = voice;
    request.speed = speed;
    request.split = false;
    request.options = std::move(options);
    Spoken spoken;
    const SpeechSummary summary =
        synthesize_speech(session, model, voices, request, ovspeech::CancellationFlag(),
                          [&](std::vector<float>&& chunk) { spoken.samples.insert(spoken.samples.end(), chunk.begin(), chunk.end()); });
    spoken.timings = summary.units;
    return spoken;
}

TEST(PiperTinyVoice, ReadsTheVoiceItsDurationsAndPipersIds) {
    const auto model = load_tiny("tiny-piper");
    EXPECT_EQ(model->family(), "piper");
    EXPECT_EQ(model->sample_rate(), 22050u);
    EXPECT_TRUE(model->has_durations());
    const std::map<std::string, Voice> voices = model->load_voices(std::nullopt);
    ASSERT_EQ(voices.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(voices.at("tiny"))) << "named after the dataset";
    const std::vector<int64_t> ids = model->create_session()->tokenize("Hello.");
    ASSERT_GE(ids.size(), 5u);
    EXPECT_EQ((std::vector<int64_t>{ids[0], ids[1], ids.back()}), (std::vector<int64_t>{1, 0, 2})) << "^ _ ... $";
    EXPECT_TRUE(model->create_session()->tokenize("....").empty());
}

TEST(PiperTinyVoice, SpeedSetsLengthScaleToTheFrameWithNoStretch) {
    const auto model = load_tiny("tiny-piper");
    const auto session = model->create_session();
    const Spoken normal = speak(*model, *session, "", 1.0);
    ASSERT_EQ(normal.samples.size() % kHop, 0u);
    const double frames = static_cast<double>(normal.samples.size() / kHop);
    EXPECT_EQ(normal.timings.decoder_steps, frames);
    EXPECT_EQ(normal.timings.encoder_ms, 0) << "no durations pass at speed 1";
    for (const double speed : {0.25, 0.5, 2.0, 4.0}) {
        const Spoken spoken = speak(*model, *session, "", speed);
        // Whole frames: never cut or stretched, as many as the model's own durations give.
        ASSERT_EQ(spoken.samples.size() % kHop, 0u) << speed;
        const double got = static_cast<double>(spoken.samples.size() / kHop);
        EXPECT_EQ(spoken.timings.decoder_steps, got) << speed;
        EXPECT_LE(std::abs(got - frames / speed), 1.0) << "speed " << speed << ": " << got << " frames against " << frames;
        EXPECT_GT(spoken.timings.encoder_ms, 0) << "the durations pass at speed " << speed;
    }
    // length_scale is the model's own; speed goes from the frames it gives.
    const Spoken slow = speak(*model, *session, "", 1.0, {{"length_scale", 2.0}});
    const Spoken slow_fast = speak(*model, *session, "", 2.0, {{"length_scale", 2.0}});
    EXPECT_LE(std::abs(static_cast<double>(slow_fast.samples.size()) - slow.samples.size() / 2.0), kHop);
}

TEST(PiperTinyVoice, TheSameSeedGivesTheSameAudioAndAnotherSeedOtherAudio) {
    const auto model = load_tiny("tiny-piper");
    const auto session = model->create_session();
    const auto other_session = model->create_session();
    const std::vector<float> first = speak(*model, *session, "", 1.0).samples;
    EXPECT_EQ(speak(*model, *other_session, "", 1.0).samples, first);
    const std::vector<float> seven = speak(*model, *session, "", 1.0, {{"seed", 7}}).samples;
    EXPECT_NE(seven, first);
    EXPECT_EQ(speak(*model, *other_session, "", 1.0, {{"seed", 7}}).samples, seven);
    EXPECT_EQ(speak(*model, *session, "", 0.5, {{"seed", 7}}).samples, speak(*model, *other_session, "", 0.5, {{"seed", 7}}).samples);
}

TEST(PiperTinyVoice, AMultiSpeakerVoiceHasItsSpeakersByName) {
    const auto model = load_tiny("tiny-piper-multi");
    EXPECT_EQ(model->num_speakers(), 3);
    const std::map<std::string, Voice> voices = model->load_voices(std::nullopt);
    ASSERT_EQ(voices.size(), 3u);
    EXPECT_EQ(std::get<SpeakerId>(voices.at("ada")), 0);
    EXPECT_EQ(std::get<SpeakerId>(voices.at("bob")), 1);
    EXPECT_EQ(std::get<SpeakerId>(voices.at("cyd")), 2);
    const auto session = model->create_session();
    const Spoken ada = speak(*model, *session, "ada", 1.0);
    const Spoken cyd = speak(*model, *session, "cyd", 1.0);
    EXPECT_NE(ada.samples, cyd.samples);
    EXPECT_EQ(speak(*model, *session, "", 1.0).samples, ada.samples) << "the first speaker by default";
    // Each speaker's own durations set its speed. cyd's ids last under two frames each on average: at
    // speed 2 it has the fewest frames length_scale can give, one an id.
    const Spoken bob = speak(*model, *session, "bob", 1.0);
    const Spoken bob_fast = speak(*model, *session, "bob", 2.0);
    EXPECT_LE(std::abs(static_cast<double>(bob_fast.samples.size()) - bob.samples.size() / 2.0), kHop);
    const Spoken cyd_fast = speak(*model, *session, "cyd", 2.0);
    EXPECT_LT(cyd.samples.size() / kHop, 2 * session->tokenize(kText).size());
    EXPECT_EQ(cyd_fast.timings.decoder_steps, session->tokenize(kText).size());

    UnitTimings timings;
    const Error beyond = error_of([&] { session->start(session->tokenize("Hi."), Voice{SpeakerId{3}}, {}, 1.0, timings); });
    EXPECT_EQ(beyond.code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(beyond.param(), "voice");
    EXPECT_STREQ(beyond.what(), "a voice of this Piper model is a speaker id from 0 to 2");
    const auto single = load_tiny("tiny-piper");
    const auto single_session = single->create_session();
    EXPECT_STREQ(error_of([&] { single_session->start(single_session->tokenize("Hi."), Voice{SpeakerId{0}}, {}, 1.0, timings); }).what(),
                 "this Piper model has one speaker and takes no speaker embedding or id");
}

TEST(PiperTinyVoice, AGraphWithoutOneCeilingDividesLengthScaleBySpeed) {
    const auto model = load_tiny("tiny-piper-no-ceiling");
    EXPECT_FALSE(model->has_durations());
    const auto session = model->create_session();
    const Spoken normal = speak(*model, *session, "", 1.0);
    const Spoken fast = speak(*model, *session, "", 2.0);
    EXPECT_EQ(fast.timings.decoder_steps, 0u) << "no durations to count frames by";
    EXPECT_EQ(fast.timings.encoder_ms, 0);
    // What rounding adds is not made up for: more than half the duration (-floor(-x) rounds up as Ceil does).
    const double ratio = static_cast<double>(fast.samples.size()) / normal.samples.size();
    EXPECT_GT(ratio, 0.5);
    EXPECT_LT(ratio, 0.75);
    // The same graph with its Ceiling gives the same audio at speed 1.
    const auto with_ceiling = load_tiny("tiny-piper");
    EXPECT_EQ(speak(*with_ceiling, *with_ceiling->create_session(), "", 1.0).samples, normal.samples);
}

}  // namespace
