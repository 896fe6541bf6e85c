#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <openvino/core/graph_util.hpp>
#include <openvino/core/model.hpp>
#include <openvino/op/parameter.hpp>
#include <openvino/op/relu.hpp>
#include <openvino/op/result.hpp>

#include "common/error.h"
#include "common/model_folder.h"
#include "common/runtime.h"

namespace fs = std::filesystem;
using ovspeech::ErrorCode;

namespace {

class ModelFolderTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("ovspeech-model-folder-" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

    void save_relu_model(const std::string& stem) {
        auto input = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 80, 3000});
        input->output(0).set_names({"input_features"});
        auto relu = std::make_shared<ov::op::v0::Relu>(input);
        auto result = std::make_shared<ov::op::v0::Result>(relu);
        result->output(0).set_names({"last_hidden_state"});
        auto model = std::make_shared<ov::Model>(ov::ResultVector{result}, ov::ParameterVector{input});
        ov::save_model(model, (dir_ / (stem + ".xml")).string(), false);
    }

    ErrorCode inspect_error_code() {
        try {
            ovspeech::inspect_model_folder(dir_);
        } catch (const ovspeech::Error& e) {
            return e.code();
        }
        ADD_FAILURE() << "inspect_model_folder did not throw";
        return ErrorCode::Internal;
    }

    fs::path dir_;
};

TEST(ErrorCodeTest, NamesAreTheSharedVocabulary) {
    EXPECT_STREQ(ovspeech::error_code_name(ErrorCode::InvalidArgument), "INVALID_ARGUMENT");
    EXPECT_STREQ(ovspeech::error_code_name(ErrorCode::UnsupportedModel), "UNSUPPORTED_MODEL");
    EXPECT_STREQ(ovspeech::error_code_name(ErrorCode::ModelNotFound), "MODEL_NOT_FOUND");
    EXPECT_STREQ(ovspeech::error_code_name(ErrorCode::Cancelled), "CANCELLED");
    EXPECT_STREQ(ovspeech::error_code_name(ErrorCode::Overloaded), "OVERLOADED");
    EXPECT_STREQ(ovspeech::error_code_name(ErrorCode::Unavailable), "UNAVAILABLE");
    EXPECT_STREQ(ovspeech::error_code_name(ErrorCode::Internal), "INTERNAL");
}

TEST(RuntimeTest, ReportsVersionAndCpu) {
    EXPECT_EQ(ovspeech::openvino_version().rfind("2026.4.1", 0), 0u) << ovspeech::openvino_version();
    bool has_cpu = false;
    for (const auto& device : ovspeech::available_devices()) has_cpu = has_cpu || device.name == "CPU";
    EXPECT_TRUE(has_cpu);
}

TEST_F(ModelFolderTest, DescribesConfigAndEveryIr) {
    write("config.json", R"({"model_type": "whisper", "num_mel_bins": 80})");
    save_relu_model("openvino_encoder_model");
    save_relu_model("openvino_decoder_model");
    const auto info = ovspeech::inspect_model_folder(dir_);
    EXPECT_EQ(info.model_type, "whisper");
    ASSERT_EQ(info.irs.size(), 2u);
    EXPECT_EQ(info.irs[0].name, "openvino_decoder_model");
    EXPECT_EQ(info.irs[1].name, "openvino_encoder_model");
    EXPECT_FALSE(info.irs[1].stateful);
    ASSERT_EQ(info.irs[1].inputs.size(), 1u);
    EXPECT_EQ(info.irs[1].inputs[0].names, std::vector<std::string>{"input_features"});
    EXPECT_EQ(info.irs[1].inputs[0].element_type, "f32");
    EXPECT_EQ(info.irs[1].inputs[0].shape, "[?,80,3000]");
    EXPECT_EQ(info.irs[1].outputs[0].names, std::vector<std::string>{"last_hidden_state"});
}

TEST_F(ModelFolderTest, MissingFolderIsModelNotFound) {
    fs::remove_all(dir_);
    EXPECT_EQ(inspect_error_code(), ErrorCode::ModelNotFound);
}

TEST_F(ModelFolderTest, MissingOrBrokenConfigIsUnsupported) {
    save_relu_model("openvino_encoder_model");
    EXPECT_EQ(inspect_error_code(), ErrorCode::UnsupportedModel);
    write("config.json", "{not json");
    EXPECT_EQ(inspect_error_code(), ErrorCode::UnsupportedModel);
    write("config.json", R"({"architectures": []})");
    EXPECT_EQ(inspect_error_code(), ErrorCode::UnsupportedModel);
}

TEST_F(ModelFolderTest, BrokenIrIsUnsupportedAndNamesTheFile) {
    write("config.json", R"({"model_type": "whisper"})");
    write("openvino_encoder_model.xml", "<net><layers>");
    try {
        ovspeech::inspect_model_folder(dir_);
        FAIL() << "expected an error";
    } catch (const ovspeech::Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::UnsupportedModel);
        EXPECT_NE(std::string(e.what()).find("openvino_encoder_model.xml"), std::string::npos) << e.what();
    }
}

TEST_F(ModelFolderTest, FolderWithoutIrIsUnsupported) {
    write("config.json", R"({"model_type": "whisper"})");
    EXPECT_EQ(inspect_error_code(), ErrorCode::UnsupportedModel);
}

}  // namespace
