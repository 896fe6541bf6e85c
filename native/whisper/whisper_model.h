#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include <openvino/runtime/compiled_model.hpp>

#include "common/compile_options.h"
#include "whisper/feature_extractor.h"
#include "whisper/whisper_config.h"
#include "whisper/whisper_decoder.h"
#include "whisper/whisper_tokenizer.h"

namespace ovspeech::whisper {

class WhisperSession;

// A Whisper folder compiled for a device: shared, read-only, by every worker's session.
class WhisperModel {
public:
    // Reads and compiles the folder. Throws Error: MODEL_NOT_FOUND, UNSUPPORTED_MODEL (a file missing
    // or unreadable, naming it), or OpenVINO's own message for an absent device.
    static std::shared_ptr<const WhisperModel> load(const std::filesystem::path& dir, const CompileOptions& options);

    const WhisperConfig& config() const { return config_; }
    const WhisperFeatureExtractor& feature_extractor() const { return features_; }
    std::unique_ptr<WhisperSession> create_session() const;

private:
    WhisperModel(WhisperConfig config, WhisperFeatureExtractor features);

    WhisperConfig config_;
    WhisperFeatureExtractor features_;
    // create_infer_request is thread-safe but not const in OpenVINO's API.
    mutable ov::CompiledModel encoder_;
    mutable ov::CompiledModel decoder_;
    mutable ov::CompiledModel tokenizer_;
    mutable ov::CompiledModel detokenizer_;
};

// One worker's infer requests on a WhisperModel; never shared between threads.
class WhisperSession {
public:
    WhisperSession(const WhisperModel& model, ov::InferRequest encoder, ov::InferRequest decoder, ov::InferRequest tokenizer,
                   ov::InferRequest detokenizer);

    const WhisperModel& model() const { return model_; }
    // last_hidden_state of one window of features [feature_size x nb_max_frames]; valid until the next call.
    ov::Tensor encode(std::vector<float>& window);
    WhisperDecoder& decoder() { return decoder_; }
    WhisperTokenizer& tokenizer() { return tokenizer_; }

private:
    const WhisperModel& model_;
    ov::InferRequest encoder_;
    WhisperDecoder decoder_;
    WhisperTokenizer tokenizer_;
};

}  // namespace ovspeech::whisper
