#include "whisper/whisper_model.h"

#include "common/error.h"
#include "common/json_file.h"
#include "common/model_ir.h"
#include "common/runtime.h"
#include "whisper/batched_decoder_graph.h"
#include "whisper/cross_attention_scores.h"

namespace ovspeech::whisper {
namespace {

// The decoder's self- and cross-attention caches must live in the request's state.
std::shared_ptr<ov::Model> read_decoder(const std::filesystem::path& dir) {
    auto decoder = read_ir(dir, "openvino_decoder_model");
    if (decoder->get_variables().empty()) {
        throw Error(ErrorCode::UnsupportedModel, "openvino_decoder_model in " + dir.string() +
                                                     " is not stateful; re-export it with optimum-cli (without --disable-stateful)");
    }
    return decoder;
}

// The element type the device computes in: the batch keeps cross-attention keys and values in it, so
// that no step converts them.
ov::element::Type inference_precision(const CompileOptions& options) {
    if (const auto hint = options.plugin_config.find(ov::hint::inference_precision.name()); hint != options.plugin_config.end()) {
        return ov::element::Type(hint->second);
    }
    if (options.inference_precision) return ov::element::Type(*options.inference_precision);
    try {
        return runtime_core().get_property(options.device, ov::hint::inference_precision);
    } catch (const ov::Exception&) {
        return ov::element::f32;  // a device without the property computes as the model says
    }
}

}  // namespace

WhisperModel::WhisperModel(std::filesystem::path dir, CompileOptions options, WhisperConfig config, WhisperFeatureExtractor features)
    : dir_(std::move(dir)), options_(std::move(options)), config_(std::move(config)), features_(std::move(features)) {}

std::shared_ptr<const WhisperModel> WhisperModel::load(const std::filesystem::path& dir, const CompileOptions& options) {
    require_model_folder(dir);
    auto config = WhisperConfig::from_folder(dir);
    auto features = WhisperFeatureExtractor(FeatureExtractorConfig::from_json(read_json_file(dir / "preprocessor_config.json")));
    std::shared_ptr<WhisperModel> model(new WhisperModel(dir, options, std::move(config), std::move(features)));

    const ov::AnyMap properties = options.properties();
    auto decoder = read_decoder(dir);
    // The logits at <|startoftranscript|> of a window's prompt give its no-speech probability.
    add_position_logits(decoder);
    slice_logits_to_last_position(decoder);
    const ov::element::Type cross_kv_type = inference_precision(options);
    const auto cross_kv = cross_kv_model(decoder, cross_kv_type);
    const size_t cross_inputs = make_batchable(decoder, cross_kv_type);
    const auto encoder = read_ir(dir, "openvino_encoder_model");
    model->encoder_ = compile_lane_variants(encoder, "openvino_encoder_model", options.device, properties, options);
    const int lane_threads = model->encoder_.lane_threads;
    model->decoder_ = compile_lane_variants(decoder, "openvino_decoder_model (batched)", options.device, options.dynamic_shape_properties(),
                                            lane_threads);
    model->cross_kv_ = compile_lane_variants(cross_kv, "openvino_decoder_model (cross-attention keys and values)", options.device,
                                             properties, lane_threads);
    model->compute_ = std::make_unique<ComputeGate>(lane_threads > 0);
    model->compute_summary_ = summarize_compute(model->encoder_.wide, options.device, lane_threads);
    model->batches_ = std::make_unique<DecoderBatches>(model->decoder_, cross_inputs, *model->compute_);
    // Tokenizer IRs run on the CPU whatever the device, as GenAI runs them.
    model->tokenizer_ = compile_ir(read_ir(dir, "openvino_tokenizer"), "openvino_tokenizer", "CPU", {});
    model->detokenizer_ = compile_ir(read_ir(dir, "openvino_detokenizer"), "openvino_detokenizer", "CPU", {});
    return model;
}

ov::CompiledModel WhisperModel::compile_word_decoder() const {
    std::lock_guard<std::mutex> lock(word_decoder_mutex_);
    if (!word_decoder_) {
        auto decoder = read_decoder(dir_);
        // GenAI's order: decompose and expose the scores, then slice the logits.
        const size_t layers = expose_cross_attention_scores(decoder);
        if (layers != config_.decoder_layers) {
            throw Error(ErrorCode::UnsupportedModel,
                        "openvino_decoder_model in " + dir_.string() + " has " + std::to_string(layers) +
                            " cross-attention ScaledDotProductAttention ops (named encoder_attn), not one per decoder layer (" +
                            std::to_string(config_.decoder_layers) + "); re-export it with a current optimum-cli");
        }
        add_position_logits(decoder);
        slice_logits_to_last_position(decoder);
        word_decoder_ = decoder;
    }
    return compile_ir(word_decoder_, "openvino_decoder_model (word timestamps)", options_.device, options_.properties());
}

ov::CompiledModel& WhisperModel::byte_detokenizer() const {
    std::call_once(byte_detokenizer_compiled_, [this] {
        auto detokenizer = read_ir(dir_, "openvino_detokenizer");
        keep_token_bytes(detokenizer);
        byte_detokenizer_ = compile_ir(detokenizer, "openvino_detokenizer (token bytes)", "CPU", {});
    });
    return byte_detokenizer_;
}

std::unique_ptr<WhisperSession> WhisperModel::create_session() const {
    WhisperTokenizer tokenizer(tokenizer_.create_infer_request(), detokenizer_.create_infer_request(),
                               [this] { return byte_detokenizer().create_infer_request(); });
    return std::make_unique<WhisperSession>(*this, encoder_, *compute_, decoder_, cross_kv_, *batches_, std::move(tokenizer));
}

WhisperSession::WhisperSession(const WhisperModel& model, const LaneVariants& encoder, ComputeGate& compute, const LaneVariants& decoder,
                               const LaneVariants& cross_kv, DecoderBatches& batches, WhisperTokenizer tokenizer)
    : model_(model),
      encoders_(encoder),
      compute_(compute),
      decoder_(decoder, cross_kv, batches, compute),
      tokenizer_(std::move(tokenizer)) {}

WhisperDecoder& WhisperSession::word_decoder() {
    if (!word_decoder_) word_decoder_.emplace(model_.compile_word_decoder().create_infer_request());
    return *word_decoder_;
}

ov::Tensor WhisperSession::encode(std::vector<float>& window) {
    const auto& features = model_.feature_extractor().config();
    const ComputeGate::Hold hold(compute_, ComputeGate::Turn::First);
    ov::InferRequest& encoder = encoders_.get(hold.wide());
    encoder.set_tensor("input_features",
                       ov::Tensor(ov::element::f32, ov::Shape{1, features.feature_size, features.nb_max_frames}, window.data()));
    encoder.infer();
    decoder_.new_window();
    return encoder.get_tensor("last_hidden_state");
}

}  // namespace ovspeech::whisper
