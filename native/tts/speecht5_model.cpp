#include "tts/speecht5_model.h"

#include <chrono>
#include <cstring>
#include <numeric>

#include "common/error.h"
#include "common/json_file.h"
#include "common/model_ir.h"

namespace ovspeech::tts {
namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The id of <unk> in the tokenizer's files, so that characters it cannot read can be left out.
int64_t read_unknown_token_id(const std::filesystem::path& dir) {
    if (!std::filesystem::exists(dir / "tokenizer_config.json")) return -1;
    const nlohmann::json config = read_json_file(dir / "tokenizer_config.json");
    const std::string unknown = config.value("unk_token", std::string("<unk>"));
    for (const auto& [id, token] : config.value("added_tokens_decoder", nlohmann::json::object()).items()) {
        if (token.value("content", std::string()) == unknown) return std::stoll(id);
    }
    return -1;
}

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

    std::vector<float> synthesize(const std::string& text, const std::vector<float>& voice, const DecodingOptions& options,
                                  const CancellationFlag& cancellation, UnitTimings& timings) override {
        auto started = Clock::now();
        std::vector<int64_t> ids = tokenize(text);
        timings.tokenizer_ms += milliseconds_since(started);
        if (ids.empty()) return {};

        started = Clock::now();
        encoder_.set_tensor("input_ids", ov::Tensor(ov::element::i64, ov::Shape{1, ids.size()}, ids.data()));
        encoder_.infer();
        const ov::Tensor hidden_states = encoder_.get_tensor("last_hidden_state");
        const ov::Tensor attention_mask = encoder_.get_tensor("encoder_attention_mask");
        timings.encoder_ms += milliseconds_since(started);

        // The frame limits in GenAI's float arithmetic, so that a unit stops on the same step.
        const auto hidden_length = static_cast<float>(hidden_states.get_shape()[1]);
        const auto reduction = static_cast<float>(model_.reduction_factor());
        const auto max_steps = static_cast<int64_t>(hidden_length * options.maxlenratio / reduction);
        const auto min_steps = static_cast<int64_t>(hidden_length * options.minlenratio / reduction);

        started = Clock::now();
        const size_t mel_bins = model_.num_mel_bins();
        const size_t frames_per_step = model_.reduction_factor();
        std::vector<float> voice_copy = voice;
        int32_t beam = 0;
        decoder_.reset_state();
        decoder_.set_tensor("speaker_embeddings", ov::Tensor(ov::element::f32, ov::Shape{1, voice_copy.size()}, voice_copy.data()));
        decoder_.set_tensor("encoder_hidden_states", hidden_states);
        decoder_.set_tensor("encoder_attention_mask", attention_mask);
        decoder_.set_tensor("beam_idx", ov::Tensor(ov::element::i32, ov::Shape{1}, &beam));
        ov::Tensor inputs_embeds(ov::element::f32, ov::Shape{1, 1, mel_bins});
        std::fill_n(inputs_embeds.data<float>(), inputs_embeds.get_size(), 0.0f);
        std::vector<float> spectra;
        int64_t step = 0;
        while (true) {
            cancellation.throw_if_cancelled();
            ++step;
            decoder_.set_tensor("inputs_embeds", inputs_embeds);
            decoder_.infer();
            // The decoder returns the whole sequence so far: the next step's input.
            const ov::Tensor sequence = decoder_.get_tensor("output_sequence_out");
            inputs_embeds = ov::Tensor(ov::element::f32, sequence.get_shape());
            sequence.copy_to(inputs_embeds);
            const ov::Tensor spectrum = decoder_.get_tensor("spectrum");
            spectra.insert(spectra.end(), spectrum.data<const float>(), spectrum.data<const float>() + spectrum.get_size());
            if (step < min_steps) continue;
            const ov::Tensor probabilities = decoder_.get_tensor("prob");
            const float* stop = probabilities.data<const float>();
            const float stop_sum = std::accumulate(stop, stop + probabilities.get_size(), 0.0f);
            if (stop_sum >= options.threshold || step >= max_steps) break;
        }
        decoder_.reset_state();
        timings.decoder_steps += static_cast<size_t>(step);
        timings.decoder_ms += milliseconds_since(started);

        started = Clock::now();
        const size_t steps = spectra.size() / (frames_per_step * mel_bins);
        postnet_.set_tensor("raw_spectrogram", ov::Tensor(ov::element::f32, ov::Shape{steps, 1, frames_per_step, mel_bins}, spectra.data()));
        postnet_.infer();
        const ov::Tensor spectrogram = postnet_.get_tensor("postnet_spectrogram");
        timings.postnet_ms += milliseconds_since(started);

        started = Clock::now();
        vocoder_.set_tensor("spectrogram", spectrogram);
        vocoder_.infer();
        const ov::Tensor waveform = vocoder_.get_tensor("waveform");
        std::vector<float> samples(waveform.data<const float>(), waveform.data<const float>() + waveform.get_size());
        timings.vocoder_ms += milliseconds_since(started);
        return samples;
    }

private:
    std::vector<int64_t> tokenize(const std::string& text) {
        std::string input = text;
        tokenizer_.set_input_tensor(ov::Tensor(ov::element::string, ov::Shape{1}, &input));
        tokenizer_.infer();
        const ov::Tensor ids = tokenizer_.get_tensor("input_ids");
        std::vector<int64_t> tokens;
        bool speakable = false;
        for (size_t i = 0; i < ids.get_size(); ++i) {
            const int64_t token = ids.data<const int64_t>()[i];
            if (token == model_.unknown_token_id()) continue;
            tokens.push_back(token);
            speakable = speakable || i + 1 < ids.get_size();  // the last id is the </s> the tokenizer appends
        }
        return speakable ? tokens : std::vector<int64_t>{};
    }

    const SpeechT5Model& model_;
    ov::InferRequest tokenizer_;
    ov::InferRequest encoder_;
    ov::InferRequest decoder_;
    ov::InferRequest postnet_;
    ov::InferRequest vocoder_;
};

}  // namespace

std::shared_ptr<const SpeechT5Model> SpeechT5Model::load(const std::filesystem::path& dir, const CompileOptions& options) {
    auto model = std::make_shared<SpeechT5Model>();
    const nlohmann::json config = read_json_file(dir / "config.json");
    try {
        model->reduction_factor_ = config.value("reduction_factor", size_t{2});
        model->num_mel_bins_ = config.value("num_mel_bins", size_t{80});
        model->max_text_positions_ = config.value("max_text_positions", size_t{450});
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorCode::UnsupportedModel, "config.json in " + dir.string() + " has a malformed SpeechT5 setting: " + e.what());
    }
    model->unknown_token_id_ = read_unknown_token_id(dir);

    const ov::AnyMap properties = options.properties();
    auto decoder = read_ir(dir, "openvino_decoder_model");
    if (decoder->get_variables().empty()) {
        throw Error(ErrorCode::UnsupportedModel, "openvino_decoder_model in " + dir.string() + " is not stateful; re-export it with optimum-cli");
    }
    model->encoder_ = compile_ir(read_ir(dir, "openvino_encoder_model"), "openvino_encoder_model", options.device, properties);
    model->decoder_ = compile_ir(decoder, "openvino_decoder_model", options.device, properties);
    model->postnet_ = compile_ir(read_ir(dir, "openvino_postnet"), "openvino_postnet", options.device, properties);
    model->vocoder_ = compile_ir(read_ir(dir, "openvino_vocoder"), "openvino_vocoder", options.device, properties);
    // Tokenizer IRs run on the CPU whatever the device, as GenAI runs them.
    model->tokenizer_ = compile_ir(read_ir(dir, "openvino_tokenizer"), "openvino_tokenizer", "CPU", {});
    return model;
}

size_t SpeechT5Model::max_unit_chars() const {
    // One token per character, and the </s> the tokenizer appends.
    return max_text_positions_ - 1;
}

std::unique_ptr<TtsSession> SpeechT5Model::create_session() const {
    return std::make_unique<SpeechT5Session>(*this, tokenizer_.create_infer_request(), encoder_.create_infer_request(),
                                             decoder_.create_infer_request(), postnet_.create_infer_request(),
                                             vocoder_.create_infer_request());
}

}  // namespace ovspeech::tts
