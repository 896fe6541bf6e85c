#include "tts/speecht5_model.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <numeric>

#include "common/error.h"
#include "common/json_file.h"
#include "common/model_ir.h"
#include "common/stopwatch.h"
#include "common/utf8.h"
#include "tts/voices.h"

namespace ovspeech::tts {
namespace {

// The id of <unk> in the tokenizer's files, so that characters it cannot read can be left out.
int64_t read_unknown_token_id(const std::filesystem::path& dir) {
    if (!std::filesystem::exists(dir / "tokenizer_config.json")) return -1;
    const nlohmann::json config = read_json_file(dir / "tokenizer_config.json");
    const std::string unknown = config.value("unk_token", std::string("<unk>"));
    const nlohmann::json added = config.value("added_tokens_decoder", nlohmann::json::object());
    for (const auto& [id, token] : added.items()) {
        if (token.value("content", std::string()) == unknown) return std::stoll(id);
    }
    return -1;
}

// GenAI's defaults; the ranges keep the frame limits finite.
const std::vector<OptionSpec> kOptions = {
    {"minlenratio", 0.0, 0, 100},      // at least this many frames per input token, over the reduction factor
    {"maxlenratio", 20.0, 0.01, 100},  // at most this many
    {"threshold", 0.5, 0.001, 2},      // stop once the stop probabilities of a step add up to this
};

// The decoding loop's limits, in float as GenAI computes with them.
struct DecodingLimits {
    float minlenratio;
    float maxlenratio;
    float threshold;
};

DecodingLimits decoding_limits(const OptionValues& values) {
    return {static_cast<float>(option_value(kOptions, values, "minlenratio")),
            static_cast<float>(option_value(kOptions, values, "maxlenratio")),
            static_cast<float>(option_value(kOptions, values, "threshold"))};
}

class SpeechT5Unit;

class SpeechT5Session : public TtsSession {
public:
    SpeechT5Session(const SpeechT5Model& model, ov::InferRequest tokenizer, ov::InferRequest encoder, ov::InferRequest decoder,
                    ov::InferRequest postnet, ov::InferRequest vocoder)
        : model_(model),
          tokenizer_(std::move(tokenizer)),
          encoder_(std::move(encoder)),
          decoder_(std::move(decoder)),
          postnet_(std::move(postnet)),
          vocoder_(std::move(vocoder)) {}

    std::unique_ptr<UnitSynthesis> start(std::vector<int64_t> tokens, const Voice& voice, const OptionValues& options, double speed,
                                         UnitTimings& timings) override;

    // The unit's ids without <unk> (characters the tokenizer cannot read); empty when none of its
    // characters can be read (word-boundary pieces and </s> alone say nothing).
    std::vector<int64_t> tokenize(const std::string& text) override {
        if (!any_readable_character(text)) return {};
        std::vector<int64_t> tokens = token_ids(text);
        tokens.erase(std::remove(tokens.begin(), tokens.end(), model_.unknown_token_id()), tokens.end());
        return tokens;
    }

private:
    std::vector<int64_t> token_ids(const std::string& text) {
        std::string input = text;
        tokenizer_.set_input_tensor(ov::Tensor(ov::element::string, ov::Shape{1}, &input));
        tokenizer_.infer();
        const ov::Tensor ids = tokenizer_.get_tensor("input_ids");
        return {ids.data<const int64_t>(), ids.data<const int64_t>() + ids.get_size()};
    }

    bool any_readable_character(const std::string& text) {
        for (size_t i = 0; i < text.size();) {
            const Utf8CodePoint c = decode_utf8(text, i);
            const std::string character = text.substr(i, c.length);
            i += c.length;
            if (c.value < 0x80 && std::isspace(static_cast<int>(c.value))) continue;
            auto known = readable_.find(character);
            if (known == readable_.end()) {
                const std::vector<int64_t> ids = token_ids(character);
                known = readable_.emplace(character, std::find(ids.begin(), ids.end(), model_.unknown_token_id()) == ids.end()).first;
            }
            if (known->second) return true;
        }
        return false;
    }

    friend class SpeechT5Unit;

    const SpeechT5Model& model_;
    std::map<std::string, bool> readable_;  // per character: does the tokenizer know it?
    ov::InferRequest tokenizer_;
    ov::InferRequest encoder_;
    ov::InferRequest decoder_;
    ov::InferRequest postnet_;
    ov::InferRequest vocoder_;
};

// One unit on a SpeechT5Session: the encoder, then one decoder step per step() until the stop threshold
// or the frame limit, then postnet and vocoder.
class SpeechT5Unit : public UnitSynthesis {
public:
    SpeechT5Unit(SpeechT5Session& session, std::vector<int64_t> ids, const SpeakerEmbedding& voice, const DecodingLimits& limits,
                 UnitTimings& timings)
        : session_(session), ids_(std::move(ids)), voice_(voice), limits_(limits), timings_(timings) {}

    bool step() override {
        switch (stage_) {
            case Stage::Encode:
                encode();
                break;
            case Stage::Decode:
                decode_step();
                break;
            case Stage::Vocode:
                vocode();
                break;
            case Stage::Done:
                break;
        }
        return stage_ != Stage::Done;
    }

    std::vector<float> finish() override { return std::move(samples_); }

private:
    enum class Stage { Encode, Decode, Vocode, Done };

    // One inference, in one lane whenever the model has lanes (SpeechT5Model's class comment).
    void infer(ov::InferRequest& request) {
        const ComputeGate::Hold compute(session_.model_.compute(), ComputeGate::Turn::First, false);
        request.infer();
    }

    void encode() {
        const SpeechT5Model& model = session_.model_;
        ov::InferRequest& encoder = session_.encoder_;
        ov::InferRequest& decoder = session_.decoder_;
        if (ids_.empty()) {
            stage_ = Stage::Done;
            return;
        }

        Stopwatch stopwatch;
        encoder.set_tensor("input_ids", ov::Tensor(ov::element::i64, ov::Shape{1, ids_.size()}, ids_.data()));
        infer(encoder);
        // Copied into the decoder's own input tensors, never handed to it as a new buffer: the CPU plugin
        // computes the cross-attention states from encoder_hidden_states (the initializer of their
        // ReadValue) and, in bf16, keeps reading the buffer it saw last until the input's shape changes.
        // A new buffer of the same shape left it reading the previous unit's freed one (NaN audio).
        const ov::Tensor hidden_states = encoder.get_tensor("last_hidden_state");
        hidden_states.copy_to(decoder.get_tensor("encoder_hidden_states"));
        encoder.get_tensor("encoder_attention_mask").copy_to(decoder.get_tensor("encoder_attention_mask"));
        timings_.encoder_ms += stopwatch.elapsed_ms();

        // The frame limits in GenAI's float arithmetic, so that a unit stops on the same step.
        const auto hidden_length = static_cast<float>(hidden_states.get_shape()[1]);
        const auto reduction = static_cast<float>(model.reduction_factor());
        max_steps_ = static_cast<int64_t>(hidden_length * limits_.maxlenratio / reduction);
        min_steps_ = static_cast<int64_t>(hidden_length * limits_.minlenratio / reduction);

        stopwatch.restart();
        decoder.reset_state();
        decoder.set_tensor("speaker_embeddings", ov::Tensor(ov::element::f32, ov::Shape{1, voice_.size()}, voice_.data()));
        decoder.set_tensor("beam_idx", ov::Tensor(ov::element::i32, ov::Shape{1}, &beam_));
        inputs_embeds_ = ov::Tensor(ov::element::f32, ov::Shape{1, 1, model.num_mel_bins()});
        std::fill_n(inputs_embeds_.data<float>(), inputs_embeds_.get_size(), 0.0f);
        timings_.decoder_ms += stopwatch.elapsed_ms();
        stage_ = Stage::Decode;
    }

    void decode_step() {
        ov::InferRequest& decoder = session_.decoder_;
        Stopwatch stopwatch;
        ++steps_;
        decoder.set_tensor("inputs_embeds", inputs_embeds_);
        infer(decoder);
        // The decoder returns the whole sequence so far: the next step's input.
        const ov::Tensor sequence = decoder.get_tensor("output_sequence_out");
        inputs_embeds_ = ov::Tensor(ov::element::f32, sequence.get_shape());
        sequence.copy_to(inputs_embeds_);
        const ov::Tensor spectrum = decoder.get_tensor("spectrum");
        spectra_.insert(spectra_.end(), spectrum.data<const float>(), spectrum.data<const float>() + spectrum.get_size());
        ++timings_.decoder_steps;
        if (steps_ >= min_steps_) {
            const ov::Tensor probabilities = decoder.get_tensor("prob");
            const float* stop = probabilities.data<const float>();
            const float stop_sum = std::accumulate(stop, stop + probabilities.get_size(), 0.0f);
            if (stop_sum >= limits_.threshold || steps_ >= max_steps_) {
                decoder.reset_state();
                stage_ = Stage::Vocode;
            }
        }
        timings_.decoder_ms += stopwatch.elapsed_ms();
    }

    void vocode() {
        const SpeechT5Model& model = session_.model_;
        const size_t mel_bins = model.num_mel_bins();
        const size_t frames_per_step = model.reduction_factor();
        Stopwatch stopwatch;
        const size_t steps = spectra_.size() / (frames_per_step * mel_bins);
        ov::InferRequest& postnet = session_.postnet_;
        postnet.set_tensor("raw_spectrogram",
                           ov::Tensor(ov::element::f32, ov::Shape{steps, 1, frames_per_step, mel_bins}, spectra_.data()));
        infer(postnet);
        const ov::Tensor spectrogram = postnet.get_tensor("postnet_spectrogram");
        timings_.postnet_ms += stopwatch.elapsed_ms();

        stopwatch.restart();
        session_.vocoder_.set_tensor("spectrogram", spectrogram);
        infer(session_.vocoder_);
        const ov::Tensor waveform = session_.vocoder_.get_tensor("waveform");
        samples_.assign(waveform.data<const float>(), waveform.data<const float>() + waveform.get_size());
        timings_.vocoder_ms += stopwatch.elapsed_ms();
        stage_ = Stage::Done;
    }

    SpeechT5Session& session_;
    // Buffers the infer requests' input tensors point into: they must outlive every call that uses them.
    std::vector<int64_t> ids_;
    const SpeakerEmbedding voice_;
    std::vector<float> spectra_;
    int32_t beam_ = 0;
    const DecodingLimits limits_;
    UnitTimings& timings_;
    Stage stage_ = Stage::Encode;
    ov::Tensor inputs_embeds_;
    int64_t steps_ = 0;
    int64_t min_steps_ = 0;
    int64_t max_steps_ = 0;
    std::vector<float> samples_;
};

std::unique_ptr<UnitSynthesis> SpeechT5Session::start(std::vector<int64_t> tokens, const Voice& voice, const OptionValues& options,
                                                      double /*speed*/, UnitTimings& timings) {
    const auto* embedding = std::get_if<SpeakerEmbedding>(&voice);
    if (embedding == nullptr || embedding->size() != model_.voice_size()) {
        throw Error(ErrorCode::InvalidArgument,
                    "a SpeechT5 voice is a speaker embedding of " + std::to_string(model_.voice_size()) + " floats", "voice");
    }
    return std::make_unique<SpeechT5Unit>(*this, std::move(tokens), *embedding, decoding_limits(options), timings);
}

}  // namespace

std::shared_ptr<const SpeechT5Model> SpeechT5Model::load(const std::filesystem::path& dir, const CompileOptions& options) {
    auto model = std::make_shared<SpeechT5Model>();
    model->dir_ = dir;
    const nlohmann::json config = read_json_file(dir / "config.json");
    try {
        model->reduction_factor_ = config.value("reduction_factor", size_t{2});
        model->num_mel_bins_ = config.value("num_mel_bins", size_t{80});
        model->max_text_positions_ = config.value("max_text_positions", size_t{450});
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorCode::UnsupportedModel, "config.json in " + dir.string() + " has a malformed SpeechT5 setting: " + e.what());
    }
    model->unknown_token_id_ = read_unknown_token_id(dir);

    // Every decoder step of SpeechT5 has a new shape (the sequence so far), and so do the encoder, postnet
    // and vocoder for every unit length.
    const ov::AnyMap properties = options.dynamic_shape_properties();
    auto decoder = read_ir(dir, "openvino_decoder_model");
    if (decoder->get_variables().empty()) {
        throw Error(ErrorCode::UnsupportedModel,
                    "openvino_decoder_model in " + dir.string() + " is not stateful; re-export it with optimum-cli");
    }
    // Compiled wide too, only to learn how many threads a lane has.
    LaneVariants encoder =
        compile_lane_variants(read_ir(dir, "openvino_encoder_model"), "openvino_encoder_model", options.device, properties, options);
    const int lane_threads = encoder.lane_threads;
    model->compute_ = std::make_unique<ComputeGate>(lane_threads > 0);
    model->compute_summary_ = summarize_compute(encoder.wide, options.device, lane_threads);
    if (lane_threads > 0) model->compute_summary_.threads = lane_threads;
    model->encoder_ = lane_threads > 0 ? encoder.narrow : encoder.wide;
    model->decoder_model_ = decoder;
    model->lane_threads_ = lane_threads;
    model->device_ = options.device;
    model->properties_ = properties;
    model->postnet_ = model->compile_one_lane(read_ir(dir, "openvino_postnet"), "openvino_postnet", static_cast<int>(ComputeGate::kLanes));
    model->vocoder_ = model->compile_one_lane(read_ir(dir, "openvino_vocoder"), "openvino_vocoder", static_cast<int>(ComputeGate::kLanes));
    // Tokenizer IRs run on the CPU whatever the device, as GenAI runs them.
    model->tokenizer_ = compile_ir(read_ir(dir, "openvino_tokenizer"), "openvino_tokenizer", "CPU", {});
    return model;
}

std::map<std::string, Voice> SpeechT5Model::load_voices(const std::optional<std::filesystem::path>& extra_dir) const {
    return load_embedding_voices(dir_, extra_dir, voice_size());
}

const std::vector<OptionSpec>& SpeechT5Model::option_specs() const {
    return kOptions;
}

void SpeechT5Model::check_option_values(const OptionValues& values) const {
    const DecodingLimits limits = decoding_limits(values);
    if (!(limits.minlenratio >= 0 && limits.maxlenratio > 0 && limits.minlenratio <= limits.maxlenratio && limits.threshold > 0)) {
        throw Error(ErrorCode::InvalidArgument, "decoding needs 0 <= minlenratio <= maxlenratio, maxlenratio > 0 and threshold > 0");
    }
}

ov::CompiledModel SpeechT5Model::compile_one_lane(const std::shared_ptr<ov::Model>& model, const std::string& name, int streams) const {
    if (lane_threads_ == 0) return compile_ir(model, name, device_, properties_);
    return compile_narrow(model, name, device_, properties_, lane_threads_, streams);
}

std::unique_ptr<TtsSession> SpeechT5Model::create_session() const {
    ov::CompiledModel decoder = compile_one_lane(decoder_model_->clone(), "openvino_decoder_model", 1);
    return std::make_unique<SpeechT5Session>(*this, tokenizer_.create_infer_request(), encoder_.create_infer_request(),
                                             decoder.create_infer_request(), postnet_.create_infer_request(),
                                             vocoder_.create_infer_request());
}

}  // namespace ovspeech::tts
