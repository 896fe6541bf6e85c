#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <openvino/runtime/compiled_model.hpp>

#include "scheduler/compute_gate.h"

#include "common/compile_options.h"
#include "common/compute_summary.h"
#include "common/lane_variants.h"
#include "whisper/batched_decoder.h"
#include "whisper/decoder_batch.h"
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
    DecoderBatchStats decoder_batch_stats() const { return batches_->stats(); }
    // How its inferences use the device, the lanes included.
    const ComputeSummary& compute_summary() const { return compute_summary_; }

    // The decoder for word timestamps: cross-attention decomposed to expose its scores, plus logits at
    // chosen positions. Compiled for a session on its first use, since it holds a second copy of the
    // decoder that most requests never need; thread-safe. Throws Error(UNSUPPORTED_MODEL) when the
    // decoder's cross-attention cannot be found or decomposed.
    ov::CompiledModel compile_word_decoder() const;

    // The detokenizer with keep_token_bytes(), for token bytes; compiled on first use, thread-safe.
    ov::CompiledModel& byte_detokenizer() const;

private:
    WhisperModel(std::filesystem::path dir, CompileOptions options, WhisperConfig config, WhisperFeatureExtractor features);

    std::filesystem::path dir_;
    CompileOptions options_;
    WhisperConfig config_;
    WhisperFeatureExtractor features_;
    // Each compiled for both widths of the compute gate (wide only, without lanes).
    LaneVariants encoder_;
    // The decoder made batchable, with its cross-attention caches as inputs: two infer requests of the
    // exported decoder, whose caches live in the state, were measured to share the cross-attention cache on
    // the CPU (a second worker answered with the first worker's transcript); inputs cannot be shared.
    LaneVariants decoder_;
    LaneVariants cross_kv_;
    // Held around each inference of the encoder and decoder, so that they never compete for the same cores;
    // encoder passes go first.
    std::unique_ptr<ComputeGate> compute_;
    ComputeSummary compute_summary_;
    std::unique_ptr<DecoderBatches> batches_;
    mutable ov::CompiledModel tokenizer_;
    mutable ov::CompiledModel detokenizer_;
    mutable std::mutex word_decoder_mutex_;
    mutable std::shared_ptr<ov::Model> word_decoder_;
    mutable std::once_flag byte_detokenizer_compiled_;
    mutable ov::CompiledModel byte_detokenizer_;
};

// One worker's infer requests on a WhisperModel; never shared between threads.
class WhisperSession {
public:
    WhisperSession(const WhisperModel& model, const LaneVariants& encoder, ComputeGate& compute, const LaneVariants& decoder,
                   const LaneVariants& cross_kv, DecoderBatches& batches, WhisperTokenizer tokenizer);

    const WhisperModel& model() const { return model_; }
    // last_hidden_state of one window of features [feature_size x nb_max_frames]; valid until the next call.
    ov::Tensor encode(std::vector<float>& window);
    DecoderSteps& decoder() { return decoder_; }
    // On its own compile of the model's word-timestamp decoder, made on first use.
    WhisperDecoder& word_decoder();
    WhisperTokenizer& tokenizer() { return tokenizer_; }

private:
    const WhisperModel& model_;
    LaneRequests encoders_;
    ComputeGate& compute_;
    BatchedDecoder decoder_;
    std::optional<WhisperDecoder> word_decoder_;
    WhisperTokenizer tokenizer_;
};

}  // namespace ovspeech::whisper
