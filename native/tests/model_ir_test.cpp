#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <openvino/core/model.hpp>
#include <openvino/op/broadcast.hpp>
#include <openvino/op/constant.hpp>
#include <openvino/op/convert.hpp>
#include <openvino/op/matmul.hpp>
#include <openvino/op/parameter.hpp>
#include <openvino/op/relu.hpp>
#include <openvino/op/result.hpp>
#include <openvino/runtime/properties.hpp>

#include "common/error.h"
#include "common/model_ir.h"

namespace fs = std::filesystem;
using ovspeech::ErrorCode;

namespace {

const fs::path kTinyWhisper = fs::path(OVSPEECH_SOURCE_DIR) / "test" / "fixtures" / "models" / "tiny-whisper";
const std::string kEncoder = "openvino_encoder_model";

std::shared_ptr<ov::Model> relu_model(const ov::PartialShape& shape, ov::element::Type type = ov::element::f32) {
    auto input = std::make_shared<ov::op::v0::Parameter>(type, shape);
    std::shared_ptr<ov::Node> value = input;
    if (type != ov::element::f32) value = std::make_shared<ov::op::v0::Convert>(value, ov::element::f32);
    auto result = std::make_shared<ov::op::v0::Result>(std::make_shared<ov::op::v0::Relu>(value));
    return std::make_shared<ov::Model>(ov::ResultVector{result}, ov::ParameterVector{input});
}

// The error compile_ir throws, or a failure if it compiles.
ovspeech::Error compile_error(const std::shared_ptr<ov::Model>& model, const std::string& device, const ov::AnyMap& properties = {}) {
    try {
        ovspeech::compile_ir(model, "test_model", device, properties);
    } catch (const ovspeech::Error& e) {
        return e;
    }
    ADD_FAILURE() << "compile_ir did not throw for device " << device;
    return ovspeech::Error(ErrorCode::Internal, "");
}

// A copy of tiny-whisper's encoder IR in a temporary folder, removed afterwards, to damage.
class ModelIrTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("ovspeech-model-ir-" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
        for (const char* extension : {".xml", ".bin"}) fs::copy_file(kTinyWhisper / (kEncoder + extension), dir_ / (kEncoder + extension));
    }
    void TearDown() override { fs::remove_all(dir_); }

    void truncate(const std::string& file, double fraction) {
        const auto path = dir_ / file;
        fs::resize_file(path, static_cast<uintmax_t>(static_cast<double>(fs::file_size(path)) * fraction));
    }

    ovspeech::Error read_error() {
        try {
            ovspeech::read_ir(dir_, kEncoder);
        } catch (const ovspeech::Error& e) {
            return e;
        }
        ADD_FAILURE() << "read_ir did not throw";
        return ovspeech::Error(ErrorCode::Internal, "");
    }

    fs::path dir_;
};

TEST_F(ModelIrTest, ReadsTheUndamagedCopy) {
    EXPECT_NO_THROW(ovspeech::compile_ir(ovspeech::read_ir(dir_, kEncoder), kEncoder, "CPU", {}));
}

TEST_F(ModelIrTest, ACorruptXmlIsAnUnsupportedModelNamingTheFile) {
    truncate(kEncoder + ".xml", 0.5);
    const auto error = read_error();
    EXPECT_EQ(error.code(), ErrorCode::UnsupportedModel);
    EXPECT_EQ(std::string(error.what()).rfind("cannot read openvino_encoder_model.xml in " + dir_.string() + ": ", 0), 0u) << error.what();
}

TEST_F(ModelIrTest, ATruncatedBinIsAnUnsupportedModelNamingTheFile) {
    truncate(kEncoder + ".bin", 0.5);
    const auto error = read_error();
    EXPECT_EQ(error.code(), ErrorCode::UnsupportedModel);
    EXPECT_EQ(std::string(error.what()), "cannot read openvino_encoder_model.xml in " + dir_.string() + ": Incorrect weights in bin file!");
}

TEST_F(ModelIrTest, AMissingBinIsAnUnsupportedModelNamingTheFile) {
    fs::remove(dir_ / (kEncoder + ".bin"));
    const auto error = read_error();
    EXPECT_EQ(error.code(), ErrorCode::UnsupportedModel);
    EXPECT_EQ(std::string(error.what()), "cannot read openvino_encoder_model.xml in " + dir_.string() +
                                             ": Empty weights data in bin file or bin file cannot be found!");
}

TEST(CompileIrTest, AnAbsentDeviceIsAnInvalidArgumentNamingItAndTheAvailableOnes) {
    const auto model = relu_model({1, 4});
    for (const std::string device : {"FOO", "NPU", "CPU.1", "AUTO:FOO", "HETERO:FOO,CPU"}) {
        const auto error = compile_error(model, device);
        EXPECT_EQ(error.code(), ErrorCode::InvalidArgument) << device;
        EXPECT_EQ(error.param(), "device");
        const std::string named = device.find(':') == std::string::npos ? device : "FOO";
        const std::string expected =
            "cannot compile test_model for device " + device + ": device " + named + " is not available (available devices: ";
        EXPECT_EQ(std::string(error.what()).rfind(expected, 0), 0u) << error.what();
        EXPECT_NE(std::string(error.what()).find("CPU"), std::string::npos) << error.what();
    }
}

TEST(CompileIrTest, SettingsTheDeviceRefusesAreAnInvalidArgument) {
    const auto model = relu_model({1, 4});
    const auto unknown = compile_error(model, "CPU", {{"NO_SUCH_PROPERTY", "1"}});
    EXPECT_EQ(unknown.code(), ErrorCode::InvalidArgument);
    EXPECT_STREQ(unknown.what(),
                 "cannot compile test_model for device CPU: the compile settings are not valid: NotFound: Unsupported property "
                 "NO_SUCH_PROPERTY by CPU plugin.");
    const auto wrong = compile_error(model, "CPU", {{"INFERENCE_NUM_THREADS", "abc"}});
    EXPECT_EQ(wrong.code(), ErrorCode::InvalidArgument);
    EXPECT_STREQ(wrong.what(),
                 "cannot compile test_model for device CPU: the compile settings are not valid: Wrong value for property key "
                 "INFERENCE_NUM_THREADS. Expected only non negative integer numbers.");
    // A cache folder that cannot be made.
    const fs::path file = fs::temp_directory_path() / ("ovspeech-not-a-folder-" + std::to_string(std::random_device{}()));
    std::ofstream(file) << "a file";
    const auto cache = compile_error(model, "CPU", {ov::cache_dir((file / "cache").string())});
    fs::remove(file);
    EXPECT_EQ(cache.code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(std::string(cache.what())
                  .rfind("cannot compile test_model for device CPU: the compile settings are not valid: Couldn't create directory", 0),
              0u)
        << cache.what();
}

TEST(CompileIrTest, AModelTheDeviceCannotRunIsAnUnsupportedModel) {
    // The CPU plugin takes no input of dynamic rank, and no u1 input.
    const auto dynamic_rank = compile_error(relu_model(ov::PartialShape::dynamic()), "CPU");
    EXPECT_EQ(dynamic_rank.code(), ErrorCode::UnsupportedModel);
    EXPECT_EQ(std::string(dynamic_rank.what()).rfind("cannot compile test_model for device CPU: ", 0), 0u) << dynamic_rank.what();
    EXPECT_NE(std::string(dynamic_rank.what()).find("doesn't support Parameter operation with dynamic rank"), std::string::npos)
        << dynamic_rank.what();
    const auto bits = compile_error(relu_model({1, 8}, ov::element::u1), "CPU");
    EXPECT_EQ(bits.code(), ErrorCode::UnsupportedModel);
    EXPECT_STREQ(bits.what(),
                 "cannot compile test_model for device CPU: the device does not support it: Not Implemented: CPU plugin: Input image "
                 "format u1 is not supported yet...");
}

TEST(CompileIrTest, OutOfMemoryIsInternalWithOpenVinosMessage) {
    // Folding a broadcast to 2^20 x 2^20 floats (4 TiB) fails to allocate while compiling.
    auto input = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::Shape{1u << 20, 1u << 20});
    auto one = ov::op::v0::Constant::create(ov::element::f32, {1, 1}, {1.0f});
    auto shape = ov::op::v0::Constant::create(ov::element::i64, {2}, std::vector<int64_t>{1 << 20, 1 << 20});
    auto product = std::make_shared<ov::op::v0::MatMul>(input, std::make_shared<ov::op::v3::Broadcast>(one, shape));
    auto model = std::make_shared<ov::Model>(ov::ResultVector{std::make_shared<ov::op::v0::Result>(product)}, ov::ParameterVector{input});
    const auto error = compile_error(model, "CPU");
    EXPECT_EQ(error.code(), ErrorCode::Internal);
    EXPECT_EQ(std::string(error.what()).rfind("cannot compile test_model for device CPU: out of memory: Exception from ", 0), 0u)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("\nstd::bad_alloc\n"), std::string::npos) << error.what();
}

}  // namespace
