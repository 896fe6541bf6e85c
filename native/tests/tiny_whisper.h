#pragma once

// The tiny random-weight Whisper model of test/fixtures, loaded once per test suite with one session.

#include <filesystem>
#include <memory>

#include "common/compile_options.h"
#include "whisper/whisper_model.h"

namespace ovspeech::test {

inline const std::filesystem::path kFixtures = std::filesystem::path(OVSPEECH_SOURCE_DIR) / "test" / "fixtures";
inline const std::filesystem::path kTinyWhisper = kFixtures / "models" / "tiny-whisper";

// `Suite` is ::testing::Test or ::testing::TestWithParam<...>.
template <typename Suite>
class TinyWhisperTest : public Suite {
protected:
    static void SetUpTestSuite() {
        CompileOptions compile;
        compile.inference_precision = "f32";  // as GenAI's references were made
        model_ = whisper::WhisperModel::load(kTinyWhisper, compile);
        session_ = model_->create_session();
    }
    static void TearDownTestSuite() {
        session_.reset();
        model_.reset();
    }

    inline static std::shared_ptr<const whisper::WhisperModel> model_;
    inline static std::unique_ptr<whisper::WhisperSession> session_;
};

}  // namespace ovspeech::test
