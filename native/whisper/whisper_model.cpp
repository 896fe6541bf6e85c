#include "whisper/whisper_model.h"

#include "common/error.h"
#include "common/json_file.h"
#include "common/model_ir.h"

namespace ovspeech::whisper {
WhisperModel::WhisperModel(WhisperConfig config, WhisperFeatureExtractor features)
    : config_(std::move(config)), features_(std::move(features)) {}

std::shared_ptr<const WhisperModel> WhisperModel::load(const std::filesystem::path& dir, const CompileOptions& options) {
    require_model_folder(dir);
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
    model->encoder_ = compile_ir(read_ir(dir, "openvino_encoder_model"), "openvino_encoder_model", options.device, properties);
    model->decoder_ = compile_ir(decoder, "openvino_decoder_model", options.device, properties);
    // Tokenizer IRs run on the CPU whatever the device, as GenAI runs them.
    model->tokenizer_ = compile_ir(read_ir(dir, "openvino_tokenizer"), "openvino_tokenizer", "CPU", {});
    model->detokenizer_ = compile_ir(read_ir(dir, "openvino_detokenizer"), "openvino_detokenizer", "CPU", {});
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
