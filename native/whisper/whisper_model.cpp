#include "whisper/whisper_model.h"

#include "common/error.h"
#include "common/json_file.h"
#include "common/runtime.h"

namespace ovspeech::whisper {
namespace {

std::shared_ptr<ov::Model> read_ir(const std::filesystem::path& dir, const std::string& name) {
    const auto xml = dir / (name + ".xml");
    if (!std::filesystem::exists(xml)) {
        throw Error(ErrorCode::UnsupportedModel, name + ".xml is missing in " + dir.string());
    }
    try {
        return runtime_core().read_model(xml.string());
    } catch (const std::exception& e) {
        throw Error(ErrorCode::UnsupportedModel, "cannot read " + name + ".xml in " + dir.string() + ": " + e.what());
    }
}

// OpenVINO's own message (an absent device, an unsupported property), with which IR and device it was.
ov::CompiledModel compile(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                          const ov::AnyMap& properties) {
    try {
        return runtime_core().compile_model(model, device, properties);
    } catch (const ov::Exception& e) {
        throw Error(ErrorCode::InvalidArgument, "cannot compile " + name + " for device " + device + ": " + e.what());
    }
}

}  // namespace

WhisperModel::WhisperModel(WhisperConfig config, WhisperFeatureExtractor features)
    : config_(std::move(config)), features_(std::move(features)) {}

std::shared_ptr<const WhisperModel> WhisperModel::load(const std::filesystem::path& dir, const CompileOptions& options) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw Error(ErrorCode::ModelNotFound, "model folder " + dir.string() + " does not exist");
    }
    auto config = WhisperConfig::from_folder(dir);
    auto features = WhisperFeatureExtractor(FeatureExtractorConfig::from_json(read_json_file(dir / "preprocessor_config.json")));
    std::shared_ptr<WhisperModel> model(new WhisperModel(std::move(config), std::move(features)));

    const ov::AnyMap properties = options.properties();
    auto decoder = read_ir(dir, "openvino_decoder_model");
    if (decoder->get_variables().empty()) {
        throw Error(ErrorCode::UnsupportedModel, "openvino_decoder_model in " + dir.string() +
                                                     " is not stateful; re-export it with optimum-cli (without --disable-stateful)");
    }
    slice_logits_to_last_position(decoder);
    model->encoder_ = compile(read_ir(dir, "openvino_encoder_model"), "openvino_encoder_model", options.device, properties);
    model->decoder_ = compile(decoder, "openvino_decoder_model", options.device, properties);
    // Tokenizer IRs run on the CPU whatever the device, as GenAI runs them.
    model->tokenizer_ = compile(read_ir(dir, "openvino_tokenizer"), "openvino_tokenizer", "CPU", {});
    model->detokenizer_ = compile(read_ir(dir, "openvino_detokenizer"), "openvino_detokenizer", "CPU", {});
    return model;
}

std::unique_ptr<WhisperSession> WhisperModel::create_session() const {
    return std::make_unique<WhisperSession>(*this, encoder_.create_infer_request(), decoder_.create_infer_request(),
                                            tokenizer_.create_infer_request(), detokenizer_.create_infer_request());
}

WhisperSession::WhisperSession(const WhisperModel& model, ov::InferRequest encoder, ov::InferRequest decoder,
                               ov::InferRequest tokenizer, ov::InferRequest detokenizer)
    : model_(model),
      encoder_(std::move(encoder)),
      decoder_(std::move(decoder)),
      tokenizer_(std::move(tokenizer), std::move(detokenizer)) {}

ov::Tensor WhisperSession::encode(std::vector<float>& window) {
    const auto& features = model_.feature_extractor().config();
    encoder_.set_tensor("input_features", ov::Tensor(ov::element::f32, ov::Shape{1, features.feature_size, features.nb_max_frames}, window.data()));
    encoder_.infer();
    return encoder_.get_tensor("last_hidden_state");
}

}  // namespace ovspeech::whisper
