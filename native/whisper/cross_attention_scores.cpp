#include "whisper/cross_attention_scores.h"

#include <cmath>
#include <limits>
#include <vector>

#include <openvino/core/graph_util.hpp>
#include <openvino/core/rt_info.hpp>
#include <openvino/op/add.hpp>
#include <openvino/op/constant.hpp>
#include <openvino/op/convert_like.hpp>
#include <openvino/op/matmul.hpp>
#include <openvino/op/multiply.hpp>
#include <openvino/op/scaled_dot_product_attention.hpp>
#include <openvino/op/select.hpp>
#include <openvino/op/softmax.hpp>
#include <openvino/op/transpose.hpp>

#include "common/error.h"

namespace ovspeech::whisper {
namespace {

using namespace ov::op;
using Sdpa = v13::ScaledDotProductAttention;

[[noreturn]] void unsupported(const Sdpa& sdpa, const std::string& why) {
    throw Error(ErrorCode::UnsupportedModel, "openvino_decoder_model: cannot decompose " + sdpa.get_friendly_name() + ": " + why);
}

class Decomposition {
public:
    explicit Decomposition(const std::shared_ptr<Sdpa>& sdpa) : sdpa_(*sdpa) {}

    // Builds the replacement of the attention and returns (scores, attention output).
    std::pair<ov::Output<ov::Node>, ov::Output<ov::Node>> build() {
        // The cross-attention of an encoder-decoder model sees every encoder frame; GenAI's causal mask
        // and attention sinks are for self-attention and have no cross-attention counterpart.
        if (sdpa_.get_causal()) unsupported(sdpa_, "it is causal");
        if (sdpa_.get_input_size() > 5) unsupported(sdpa_, "it has an attention sink");
        const ov::Output<ov::Node> query = sdpa_.input_value(0);
        const ov::Output<ov::Node> key = sdpa_.input_value(1);

        // Q is scaled before the product, as GenAI does whenever the shapes are dynamic (always, in a
        // stateful decoder); moving the scale changes the scores' rounding.
        ov::Output<ov::Node> scores = add<v0::MatMul>(add<v1::Multiply>(query, scale()), transposed_key(key));
        if (sdpa_.get_input_size() > 3) {
            ov::Output<ov::Node> mask = sdpa_.input_value(3);
            if (mask.get_element_type() == ov::element::boolean) {
                mask = add<v1::Select>(mask, like(0.0f, query), like(-std::numeric_limits<float>::infinity(), scores));
            }
            scores = add<v1::Add>(scores, mask);
        }
        const auto weights = add<v8::Softmax>(scores, -1);
        const auto output = add<v0::MatMul>(weights, sdpa_.input_value(2));
        return {scores, output};
    }

    const ov::NodeVector& nodes() const { return nodes_; }

private:
    template <typename Op, typename... Args>
    std::shared_ptr<Op> add(Args&&... args) {
        auto node = std::make_shared<Op>(std::forward<Args>(args)...);
        nodes_.push_back(node);
        return node;
    }

    ov::Output<ov::Node> like(float value, const ov::Output<ov::Node>& other) {
        return add<v1::ConvertLike>(add<v0::Constant>(ov::element::f32, ov::Shape{}, std::vector<float>{value}), other);
    }

    // The scale input, or 1/sqrt(head size) when the op has none (the op's own default).
    ov::Output<ov::Node> scale() {
        if (sdpa_.get_input_size() > 4) return sdpa_.input_value(4);
        const ov::PartialShape& query = sdpa_.get_input_partial_shape(0);
        if (query.rank().is_dynamic() || query[query.rank().get_length() - 1].is_dynamic()) {
            unsupported(sdpa_, "its head size is not static");
        }
        const auto head_size = static_cast<float>(query[query.rank().get_length() - 1].get_length());
        return like(1.0f / std::sqrt(head_size), sdpa_.input_value(0));
    }

    // K with its last two axes swapped.
    ov::Output<ov::Node> transposed_key(const ov::Output<ov::Node>& key) {
        const ov::Rank rank = key.get_partial_shape().rank();
        if (rank.is_dynamic() || rank.get_length() < 2) unsupported(sdpa_, "its key has no static rank of at least 2");
        std::vector<int32_t> order(static_cast<size_t>(rank.get_length()));
        for (size_t axis = 0; axis < order.size(); ++axis) order[axis] = static_cast<int32_t>(axis);
        std::swap(order[order.size() - 1], order[order.size() - 2]);
        return add<v1::Transpose>(key, add<v0::Constant>(ov::element::i32, ov::Shape{order.size()}, order));
    }

    const Sdpa& sdpa_;
    ov::NodeVector nodes_;
};

}  // namespace

std::string cross_attention_scores_output(size_t layer) {
    return "cross_attention_qk_scaled_scores_" + std::to_string(layer);
}

size_t expose_cross_attention_scores(const std::shared_ptr<ov::Model>& decoder) {
    std::vector<std::shared_ptr<Sdpa>> cross_attentions;
    for (const auto& node : decoder->get_ordered_ops()) {
        const auto sdpa = ov::as_type_ptr<Sdpa>(node);
        if (sdpa && sdpa->get_friendly_name().find("encoder_attn") != std::string::npos) cross_attentions.push_back(sdpa);
    }
    for (size_t layer = 0; layer < cross_attentions.size(); ++layer) {
        const auto& sdpa = cross_attentions[layer];
        Decomposition decomposition(sdpa);
        const auto [scores, output] = decomposition.build();
        output.get_node()->set_friendly_name(sdpa->get_friendly_name());
        ov::copy_runtime_info(sdpa, decomposition.nodes());
        ov::replace_node(sdpa, output.get_node_shared_ptr());
        decoder->add_output(scores).add_names({cross_attention_scores_output(layer)});
    }
    return cross_attentions.size();
}

}  // namespace ovspeech::whisper
