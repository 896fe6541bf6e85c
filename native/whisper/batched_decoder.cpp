#include "whisper/batched_decoder.h"

#include <limits>

#include "common/error.h"
#include "whisper/batched_decoder_graph.h"

namespace ovspeech::whisper {

BatchedDecoder::BatchedDecoder(const LaneVariants& decoder, const LaneVariants& cross_kv, DecoderBatches& batches, ComputeGate& compute)
    : prompts_(decoder), cross_kv_(cross_kv), batches_(batches), compute_(compute) {}

BatchedDecoder::~BatchedDecoder() {
    try {
        if (batch_) batch_->leave(row_);
    } catch (...) {
        // A row cannot be waiting for a step while its own thread destroys it.
    }
}

void BatchedDecoder::start(const ov::Tensor& encoder_hidden_states, const std::vector<int64_t>& tokens) {
    if (!prompted_) {
        decode_prompt(encoder_hidden_states, tokens);
        return;
    }
    if (tokens.size() != 1) throw Error(ErrorCode::Internal, "a batched decoder step takes one token");
    if (!row_.in_batch) {
        batch_ = &batches_.emptiest();
        row_.prompt_caches.clear();
        for (auto& state : prompts_.get(prompt_wide_).query_state()) {
            const ov::Tensor cache = state.get_state();
            ov::Tensor copy(cache.get_element_type(), cache.get_shape());
            cache.copy_to(copy);
            row_.prompt_caches.push_back(copy);
        }
    }
    batch_->step(row_, tokens[0]);
    logits_ = ov::Tensor(ov::element::f32, ov::Shape{1, 1, row_.logits.size()}, row_.logits.data());
}

ov::Tensor BatchedDecoder::wait() {
    return logits_;
}

void BatchedDecoder::reset() {
    if (batch_) batch_->leave(row_);
    row_.prompt_caches.clear();
    row_.length = 0;
    prompted_ = false;
}

void BatchedDecoder::decode_prompt(const ov::Tensor& encoder_hidden_states, const std::vector<int64_t>& tokens) {
    const ComputeGate::Hold compute(compute_, ComputeGate::Turn::Second);
    if (!cross_kv_ready_) {
        ov::InferRequest& cross_kv = cross_kv_.get(compute.wide());
        cross_kv.set_input_tensor(encoder_hidden_states);
        cross_kv.infer();
        // The request's own outputs, not copies: it runs again only for the next window, after the row has
        // left the batch, whose join copies them into its slot.
        row_.cross_kv.clear();
        for (size_t i = 0; i < cross_kv.get_compiled_model().outputs().size(); ++i) row_.cross_kv.push_back(cross_kv.get_output_tensor(i));
        cross_kv_ready_ = true;
    }
    const size_t count = tokens.size();
    ov::Tensor ids(ov::element::i64, ov::Shape{1, count});
    ov::Tensor positions(ov::element::i64, ov::Shape{1, count});
    // Causal: token i sees tokens 0..i.
    ov::Tensor mask(ov::element::f32, ov::Shape{1, 1, count, count});
    for (size_t i = 0; i < count; ++i) {
        ids.data<int64_t>()[i] = tokens[i];
        positions.data<int64_t>()[i] = static_cast<int64_t>(i);
        for (size_t j = 0; j < count; ++j) mask.data<float>()[i * count + j] = j <= i ? 0.0f : -std::numeric_limits<float>::infinity();
    }
    int32_t beam = 0;
    ov::InferRequest& prompt = prompts_.get(compute.wide());
    prompt_wide_ = compute.wide();
    prompt.reset_state();
    prompt.set_tensor("input_ids", ids);
    prompt.set_tensor(kPositionIds, positions);
    prompt.set_tensor(kAttentionMask, mask);
    prompt.set_tensor("beam_idx", ov::Tensor(ov::element::i32, ov::Shape{1}, &beam));
    for (size_t i = 0; i < row_.cross_kv.size(); ++i) prompt.set_tensor(cross_kv_input(i), row_.cross_kv[i]);
    set_logit_positions(prompt, kept_position_ ? std::vector<int64_t>{static_cast<int64_t>(*kept_position_)} : std::vector<int64_t>{});
    prompt.infer();
    logits_ = prompt.get_tensor("logits");
    if (kept_position_) {
        const ov::Tensor kept = position_logits(prompt);
        kept_logits_.assign(kept.data<const float>(), kept.data<const float>() + kept.get_size());
        kept_position_.reset();
    }
    row_.length = count;
    prompted_ = true;
}

}  // namespace ovspeech::whisper
