#include "whisper/whisper_decoder.h"

#include <algorithm>

#include <openvino/op/constant.hpp>
#include <openvino/op/gather.hpp>
#include <openvino/op/matmul.hpp>
#include <openvino/op/parameter.hpp>
#include <openvino/op/result.hpp>
#include <openvino/op/slice.hpp>
#include <openvino/runtime/compiled_model.hpp>

#include "common/error.h"

namespace ovspeech::whisper {

namespace {

const char* const kLogitPositions = "logit_positions";
const char* const kPositionLogits = "position_logits";

std::shared_ptr<ov::op::v0::MatMul> logits_projection(const std::shared_ptr<ov::Model>& decoder) {
    const auto projection = ov::as_type_ptr<ov::op::v0::MatMul>(decoder->output("logits").get_node()->input_value(0).get_node_shared_ptr());
    if (!projection || projection->input(0).get_partial_shape().rank() != 3) {
        throw Error(ErrorCode::UnsupportedModel, "openvino_decoder_model: logits do not come from a rank-3 MatMul");
    }
    return projection;
}

bool has_input(ov::InferRequest& request, const std::string& name) {
    for (const auto& input : request.get_compiled_model().inputs()) {
        if (input.get_names().count(name)) return true;
    }
    return false;
}

}  // namespace

void slice_logits_to_last_position(const std::shared_ptr<ov::Model>& decoder) {
    const auto projection = logits_projection(decoder);
    const auto i64 = [](int64_t value) { return ov::op::v0::Constant::create(ov::element::i64, ov::Shape{1}, {value}); };
    const auto last = std::make_shared<ov::op::v8::Slice>(projection->input_value(0), i64(-1), i64(-2), i64(-1), i64(1));
    projection->input(0).replace_source_output(last);
}

void add_position_logits(const std::shared_ptr<ov::Model>& decoder) {
    const auto projection = logits_projection(decoder);
    const auto positions = std::make_shared<ov::op::v0::Parameter>(ov::element::i64, ov::PartialShape{ov::Dimension::dynamic()});
    positions->set_friendly_name(kLogitPositions);
    positions->output(0).get_tensor().set_names({kLogitPositions});
    const auto axis = ov::op::v0::Constant::create(ov::element::i64, ov::Shape{}, {1});
    const auto hidden = std::make_shared<ov::op::v8::Gather>(projection->input_value(0), positions, axis);
    const auto logits = std::make_shared<ov::op::v0::MatMul>(hidden, projection->input_value(1), projection->get_transpose_a(),
                                                             projection->get_transpose_b());
    const auto result = std::make_shared<ov::op::v0::Result>(logits);
    result->output(0).get_tensor().set_names({kPositionLogits});
    decoder->add_parameters({positions});
    decoder->add_results({result});
}

WhisperDecoder::WhisperDecoder(ov::InferRequest request) : request_(std::move(request)) {
    if (has_input(request_, kLogitPositions)) set_logit_positions({});
}

void WhisperDecoder::start(const ov::Tensor& encoder_hidden_states, const std::vector<int64_t>& tokens) {
    tokens_ = tokens;
    request_.set_tensor("input_ids", ov::Tensor(ov::element::i64, ov::Shape{1, tokens_.size()}, tokens_.data()));
    request_.set_tensor("beam_idx", ov::Tensor(ov::element::i32, ov::Shape{1}, &beam_idx_));
    // The cross-attention cache is filled from the encoder output on a window's first step; later steps
    // only need a tensor of the right batch. reset() empties it.
    if (request_.get_tensor("encoder_hidden_states").get_shape().at(0) != 1) {
        request_.set_tensor("encoder_hidden_states", encoder_hidden_states);
    }
    request_.start_async();
}

ov::Tensor WhisperDecoder::wait() {
    request_.wait();
    if (keeping_logits_) {
        const ov::Tensor kept = position_logits();
        kept_logits_.assign(kept.data<const float>(), kept.data<const float>() + kept.get_size());
        set_logit_positions({});
        keeping_logits_ = false;
    }
    return request_.get_tensor("logits");
}

void WhisperDecoder::reset() {
    request_.reset_state();
    ov::Shape shape = request_.get_tensor("encoder_hidden_states").get_shape();
    shape[0] = 0;
    request_.set_tensor("encoder_hidden_states", ov::Tensor(ov::element::f32, shape));
}

void set_logit_positions(ov::InferRequest& request, const std::vector<int64_t>& positions) {
    ov::Tensor tensor(ov::element::i64, ov::Shape{positions.size()});
    std::copy(positions.begin(), positions.end(), tensor.data<int64_t>());
    request.set_tensor(kLogitPositions, tensor);
}

ov::Tensor position_logits(ov::InferRequest& request) {
    return request.get_tensor(kPositionLogits);
}

void WhisperDecoder::set_logit_positions(const std::vector<int64_t>& positions) {
    whisper::set_logit_positions(request_, positions);
}

ov::Tensor WhisperDecoder::position_logits() {
    return whisper::position_logits(request_);
}

void WhisperDecoder::keep_first_step_logits_at(size_t position) {
    set_logit_positions({static_cast<int64_t>(position)});
    keeping_logits_ = true;
}

}  // namespace ovspeech::whisper
