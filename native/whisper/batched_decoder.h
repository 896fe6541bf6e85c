#pragma once

#include <optional>
#include <vector>

#include <openvino/runtime/compiled_model.hpp>

#include "scheduler/compute_gate.h"

#include "common/lane_variants.h"

#include "whisper/decoder_batch.h"
#include "whisper/whisper_decoder.h"

namespace ovspeech::whisper {

// One worker's view of its model's DecoderBatch: a window's prompt is decoded alone on the worker's own
// request (so that its logits, and the caches it leaves, are an unbatched decoder's), then each token
// steps in the shared batch.
class BatchedDecoder : public DecoderSteps {
public:
    // `decoder` is the batchable decoder `batches` run; `cross_kv` computes a window's cross-attention keys
    // and values; `compute` is the model's gate around inference, whose width picks each variant.
    BatchedDecoder(const LaneVariants& decoder, const LaneVariants& cross_kv, DecoderBatches& batches, ComputeGate& compute);
    ~BatchedDecoder() override;

    void start(const ov::Tensor& encoder_hidden_states, const std::vector<int64_t>& tokens) override;
    ov::Tensor wait() override;
    void reset() override;
    void keep_first_step_logits_at(size_t position) override { kept_position_ = position; }
    std::vector<float> first_step_logits() override { return kept_logits_; }
    // The encoder output changed: the next window's first step computes its cross-attention keys and values.
    void new_window() { cross_kv_ready_ = false; }

private:
    void decode_prompt(const ov::Tensor& encoder_hidden_states, const std::vector<int64_t>& tokens);

    LaneRequests prompts_;
    bool prompt_wide_ = true;  // which of prompts_ decoded the prompt
    LaneRequests cross_kv_;
    DecoderBatches& batches_;
    DecoderBatch* batch_ = nullptr;  // the one its row last joined
    ComputeGate& compute_;
    BatchRow row_;
    bool cross_kv_ready_ = false;
    bool prompted_ = false;
    ov::Tensor logits_;
    std::optional<size_t> kept_position_;
    std::vector<float> kept_logits_;
};

}  // namespace ovspeech::whisper
