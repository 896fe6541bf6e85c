// The Piper family without a voice's weights: Piper's phoneme ids (BOS, pads, EOS, unknown phonemes left
// out, phoneme_map), clauses and their punctuation, espeak-ng run as a program (its IPA, a missing program
// or voice), and how a Piper folder is recognized and refused. The real voice is test/real's.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.h"
#include "tts/piper_model.h"
#include "tts/piper_phonemes.h"

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

}  // namespace
