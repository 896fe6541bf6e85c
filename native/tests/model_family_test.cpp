#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.h"
#include "common/model_family.h"
#include "tts/tts_model.h"
#include "whisper/whisper_config.h"

namespace fs = std::filesystem;
using ovspeech::FamilyDetection;
using ovspeech::ModelFamily;
using ovspeech::ModelKind;

namespace {

// The families the addon serves, as native/addon/detect_family_worker.cpp lists them.
std::vector<ModelFamily> served_families() {
    std::vector<ModelFamily> families{ovspeech::whisper::model_family()};
    for (ModelFamily& family : ovspeech::tts::TtsModel::families()) families.push_back(std::move(family));
    return families;
}

class ModelFamilyTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("ovspeech-model-family-" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

    FamilyDetection detect(const std::vector<ModelFamily>& families = served_families()) { return ovspeech::detect_family(dir_, families); }

    fs::path dir_;
};

TEST_F(ModelFamilyTest, RecognizesEachServedFamilyByItsModelType) {
    write("config.json", R"({"model_type": "whisper"})");
    FamilyDetection whisper = detect();
    EXPECT_EQ(whisper.family, "whisper");
    EXPECT_EQ(whisper.kind, ModelKind::Transcription);
    EXPECT_TRUE(whisper.model_folder);
    EXPECT_EQ(whisper.reason, "");

    write("config.json", R"({"model_type": "speecht5"})");
    FamilyDetection speecht5 = detect();
    EXPECT_EQ(speecht5.family, "speecht5");
    EXPECT_EQ(speecht5.kind, ModelKind::Speech);
}

TEST_F(ModelFamilyTest, AFolderNamingAnUnknownModelTypeIsAModelNoFamilyServes) {
    write("config.json", R"({"model_type": "bert"})");
    const FamilyDetection detection = detect();
    EXPECT_EQ(detection.family, "");
    EXPECT_EQ(detection.kind, std::nullopt);
    EXPECT_TRUE(detection.model_folder);
    EXPECT_EQ(detection.reason, "model_type \"bert\" is not a family ovspeech serves (piper, speecht5, whisper)");
}

TEST_F(ModelFamilyTest, BrokenModelsAreModelFoldersWithTheirReason) {
    write("config.json", R"({"model_type": )");
    FamilyDetection detection = detect();
    EXPECT_EQ(detection.family, "");
    EXPECT_EQ(detection.kind, std::nullopt);
    EXPECT_TRUE(detection.model_folder);
    EXPECT_NE(detection.reason.find("config.json in " + dir_.string() + " is not valid JSON"), std::string::npos) << detection.reason;

    fs::remove(dir_ / "config.json");
    write("openvino_encoder_model.xml", "<net/>");
    detection = detect();
    EXPECT_TRUE(detection.model_folder);
    EXPECT_EQ(detection.reason, dir_.string() + " has no config.json");

    write("config.json", R"({"architectures": []})");
    detection = detect();
    EXPECT_TRUE(detection.model_folder);
    EXPECT_EQ(detection.reason, "config.json in " + dir_.string() + " has no string model_type");
}

// OpenVINO Model Server's export_model.py writes its own config.json at the top of the models folder.
TEST_F(ModelFamilyTest, AConfigJsonWithoutModelTypeOrModelFilesIsNotAModel) {
    write("config.json", R"({"mediapipe_config_list": [], "model_config_list": []})");
    const FamilyDetection detection = detect();
    EXPECT_EQ(detection.family, "");
    EXPECT_EQ(detection.kind, std::nullopt);
    EXPECT_FALSE(detection.model_folder);
    EXPECT_EQ(detection.reason, "no model family recognizes " + dir_.string());
}

// Piper is recognized by its files; what the .onnx.json holds is checked when the voice loads, so that a
// broken one is listed with its error rather than passed over.
TEST_F(ModelFamilyTest, AFamilyRecognizedByItsFilesIsOneMoreRow) {
    write("voice.onnx", "");
    EXPECT_FALSE(detect().model_folder) << "an .onnx alone is no Piper voice";
    write("voice.onnx.json", R"({"audio": {"sample_rate": 22050}})");
    const FamilyDetection detection = detect();
    EXPECT_EQ(detection.family, "piper");
    EXPECT_EQ(detection.kind, ModelKind::Speech);
    EXPECT_TRUE(detection.model_folder);
}

TEST_F(ModelFamilyTest, TwoFamiliesClaimingOneFolderIsReportedNotGuessed) {
    write("config.json", R"({"model_type": "whisper"})");
    std::vector<ModelFamily> families = served_families();
    families.push_back(ovspeech::family_by_model_type("whisper", ModelKind::Speech));
    const FamilyDetection detection = detect(families);
    EXPECT_EQ(detection.family, "");
    EXPECT_EQ(detection.kind, std::nullopt);
    EXPECT_TRUE(detection.model_folder);
    EXPECT_EQ(detection.reason, dir_.string() + " is recognized by more than one family (whisper, whisper)");
}

TEST_F(ModelFamilyTest, AMissingFolderIsModelNotFound) {
    try {
        ovspeech::detect_family(dir_ / "absent", served_families());
        ADD_FAILURE() << "detect_family did not throw";
    } catch (const ovspeech::Error& e) {
        EXPECT_EQ(e.code(), ovspeech::ErrorCode::ModelNotFound);
    }
}

}  // namespace
