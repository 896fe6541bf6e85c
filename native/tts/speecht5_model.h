#pragma once

#include <memory>
#include <string>

#include <openvino/core/model.hpp>
#include <openvino/runtime/compiled_model.hpp>

#include "common/lane_variants.h"
#include "scheduler/compute_gate.h"
#include "tts/tts_model.h"

namespace ovspeech::tts {

// SpeechT5 as optimum-intel exports it: character tokenizer, encoder, stateful decoder (one step yields
// `reduction_factor` mel frames and their stop probabilities), postnet, HiFi-GAN vocoder at 16 kHz. Its
// workers' inferences pass a compute gate with lanes (scheduler/compute_gate.h), so that they never
// compete for the cores, and every one runs in one lane (compile_one_lane()), alone or not:
// - the decoder's state (the sequence so far) lives in its infer request, so a unit cannot change width
//   between steps;
// - the vocoder's audio on one lane differs from that on every core in the last bits, and a request's
//   audio must not depend on the load;
// - with the encoder and postnet on every core when alone, RSS grew under CPU load by about 27 kB a
//   request, without bound (native/scheduler/README.md, "Memory under CPU load").
class SpeechT5Model : public TtsModel {
public:
    static std::shared_ptr<const SpeechT5Model> load(const std::filesystem::path& dir, const CompileOptions& options);

    std::string family() const override { return "speecht5"; }
    uint32_t sample_rate() const override { return 16000; }
    std::map<std::string, Voice> load_voices(const std::optional<std::filesystem::path>& extra_dir) const override;
    size_t max_unit_tokens() const override { return max_text_positions_; }
    // minlenratio, maxlenratio and threshold, as GenAI's SpeechT5 pipeline takes them.
    const std::vector<OptionSpec>& option_specs() const override;
    // 0 <= minlenratio <= maxlenratio.
    void check_option_values(const OptionValues& values) const override;
    bool controls_speed() const override { return false; }
    std::unique_ptr<TtsSession> create_session() const override;
    ComputeSummary compute_summary() const override { return compute_summary_; }

    size_t reduction_factor() const { return reduction_factor_; }
    size_t num_mel_bins() const { return num_mel_bins_; }
    int64_t unknown_token_id() const { return unknown_token_id_; }
    // Floats in a speaker embedding (x-vector).
    size_t voice_size() const { return 512; }
    ComputeGate& compute() const { return *compute_; }

private:
    // Compiles `model` in `streams` streams of one lane each when the model has lanes, else on every core.
    ov::CompiledModel compile_one_lane(const std::shared_ptr<ov::Model>& model, const std::string& name, int streams) const;

    std::filesystem::path dir_;
    size_t reduction_factor_ = 2;
    size_t num_mel_bins_ = 80;
    size_t max_text_positions_ = 450;
    int64_t unknown_token_id_ = -1;
    ComputeSummary compute_summary_;
    // create_infer_request is thread-safe but not const in OpenVINO's API.
    mutable ov::CompiledModel tokenizer_;
    mutable ov::CompiledModel encoder_;
    // Each session compiles its own decoder: infer requests of one compiled SpeechT5 decoder interfere in
    // OpenVINO's CPU plugin when requests with different input lengths interleave (the cross-attention
    // state of one meets the attention mask of another, a shape error). One per worker costs the
    // decoder's weights once per worker.
    std::shared_ptr<const ov::Model> decoder_model_;
    int lane_threads_ = 0;
    std::string device_;
    ov::AnyMap properties_;
    mutable ov::CompiledModel postnet_;
    mutable ov::CompiledModel vocoder_;
    std::unique_ptr<ComputeGate> compute_;
};

}  // namespace ovspeech::tts
