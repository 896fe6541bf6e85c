#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <openvino/core/model.hpp>
#include <openvino/runtime/infer_request.hpp>

namespace ovspeech::whisper {

// Makes the decoder compute logits for the last position only (GenAI does the same, and the kernels
// then see the same shapes, which keeps the logits bit-identical).
void slice_logits_to_last_position(const std::shared_ptr<ov::Model>& decoder);

// Gives the decoder a second head that computes logits at chosen positions of a step's tokens (word
// probabilities; the no-speech probability at <|startoftranscript|>). It shares the projection's
// weights, and costs nothing while no positions are set; the last-position logits stay as they were.
void add_position_logits(const std::shared_ptr<ov::Model>& decoder);

// On a request of a decoder with add_position_logits: the positions of the next steps' tokens whose
// logits it also computes, and those logits, [1, positions, vocab].
void set_logit_positions(ov::InferRequest& request, const std::vector<int64_t>& positions);
ov::Tensor position_logits(ov::InferRequest& request);

// Decoding one window: a step on the prompt, then one token at a time.
class DecoderSteps {
public:
    virtual ~DecoderSteps() = default;
    // Starts a step on `tokens` (the prompt on a window's first step, then one token). The encoder output
    // is read on a window's first step.
    virtual void start(const ov::Tensor& encoder_hidden_states, const std::vector<int64_t>& tokens) = 0;
    // Logits [1, 1, vocab] of the step started last.
    virtual ov::Tensor wait() = 0;
    // Ends the window's decoding: the next start() is a window's first step.
    virtual void reset() = 0;
    // Has the next start(), a window's first step, also compute the logits at `position` of its tokens,
    // which first_step_logits() returns after its wait() ([vocab]).
    virtual void keep_first_step_logits_at(size_t position) = 0;
    virtual std::vector<float> first_step_logits() = 0;
};

// The stateful Whisper decoder as exported (self- and cross-attention caches live in the request's state),
// one sequence at a time: for word timestamps, whose decoder exposes cross-attention scores.
class WhisperDecoder : public DecoderSteps {
public:
    explicit WhisperDecoder(ov::InferRequest request);

    void start(const ov::Tensor& encoder_hidden_states, const std::vector<int64_t>& tokens) override;
    ov::Tensor wait() override;
    void reset() override;
    void keep_first_step_logits_at(size_t position) override;
    std::vector<float> first_step_logits() override { return kept_logits_; }

    // Only on a decoder with add_position_logits: the steps that follow also compute the logits at
    // these positions of their tokens, read by position_logits() as [1, positions, vocab].
    void set_logit_positions(const std::vector<int64_t>& positions);
    ov::Tensor position_logits();

    ov::InferRequest& request() { return request_; }

private:
    ov::InferRequest request_;
    std::vector<int64_t> tokens_;
    int32_t beam_idx_ = 0;
    bool keeping_logits_ = false;
    std::vector<float> kept_logits_;
};

}  // namespace ovspeech::whisper
