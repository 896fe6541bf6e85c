#include "whisper/batched_decoder_graph.h"

#include <string>
#include <unordered_set>
#include <vector>

#include <openvino/op/assign.hpp>
#include <openvino/op/convert.hpp>
#include <openvino/op/gather.hpp>
#include <openvino/op/parameter.hpp>
#include <openvino/op/read_value.hpp>
#include <openvino/op/result.hpp>
#include <openvino/op/scaled_dot_product_attention.hpp>

#include "common/error.h"

namespace ovspeech::whisper {
namespace {

using namespace ov::op;
using Sdpa = v13::ScaledDotProductAttention;

[[noreturn]] void unsupported(const std::string& why) {
    throw Error(ErrorCode::UnsupportedModel, "openvino_decoder_model cannot be batched: " + why);
}

bool is_cross_attention(const Sdpa& sdpa) {
    return sdpa.get_friendly_name().find("encoder_attn") != std::string::npos;
}

std::vector<std::shared_ptr<Sdpa>> attentions(const std::shared_ptr<ov::Model>& decoder, bool cross) {
    std::vector<std::shared_ptr<Sdpa>> found;
    for (const auto& node : decoder->get_ordered_ops()) {
        if (const auto sdpa = ov::as_type_ptr<Sdpa>(node); sdpa && is_cross_attention(*sdpa) == cross) found.push_back(sdpa);
    }
    if (found.empty()) unsupported(std::string("it has no ") + (cross ? "cross" : "self") + "-attention ScaledDotProductAttention");
    return found;
}

// The cross-attention caches: each cross-attention's key and value are read from the state, which is
// filled from encoder_hidden_states on a window's first step.
std::vector<std::shared_ptr<v6::ReadValue>> cross_kv_caches(const std::shared_ptr<ov::Model>& decoder) {
    std::vector<std::shared_ptr<v6::ReadValue>> caches;
    for (const auto& sdpa : attentions(decoder, true)) {
        for (const size_t input : {1, 2}) {
            const auto cache = ov::as_type_ptr<v6::ReadValue>(sdpa->input_value(input).get_node_shared_ptr());
            if (!cache || cache->get_input_size() != 1)
                unsupported(sdpa->get_friendly_name() + " does not read its keys and values from a cache");
            caches.push_back(cache);
        }
    }
    return caches;
}

std::shared_ptr<v0::Parameter> add_input(const std::string& name, ov::element::Type type, const ov::PartialShape& shape) {
    auto input = std::make_shared<v0::Parameter>(type, shape);
    input->set_friendly_name(name);
    input->output(0).get_tensor().set_names({name});
    return input;
}

}  // namespace

std::string cross_kv_input(size_t index) {
    return "cross_kv." + std::to_string(index);
}

size_t make_batchable(const std::shared_ptr<ov::Model>& decoder, ov::element::Type cross_kv_type) {
    ov::ParameterVector inputs;

    const auto caches = cross_kv_caches(decoder);
    std::unordered_set<std::string> cache_variables;
    for (size_t i = 0; i < caches.size(); ++i) {
        const auto& cache = caches[i];
        auto input = add_input(cross_kv_input(i), cross_kv_type, cache->get_output_partial_shape(0));
        ov::Output<ov::Node> value = input;
        if (cross_kv_type != cache->get_output_element_type(0))
            value = std::make_shared<v0::Convert>(input, cache->get_output_element_type(0));
        for (auto target : cache->output(0).get_target_inputs()) {
            if (!ov::as_type<v6::Assign>(target.get_node())) target.replace_source_output(value);
        }
        cache_variables.insert(cache->get_variable_id());
        inputs.push_back(input);
    }
    for (const auto& sink : ov::SinkVector(decoder->get_sinks())) {
        const auto assign = ov::as_type_ptr<v6::Assign>(sink);
        if (assign && cache_variables.count(assign->get_variable_id())) decoder->remove_sink(assign);
    }
    for (const auto& variable : ov::op::util::VariableVector(decoder->get_variables())) {
        if (cache_variables.count(variable->get_info().variable_id)) decoder->remove_variable(variable);
    }
    for (const auto& parameter : ov::ParameterVector(decoder->get_parameters())) {
        if (parameter->output(0).get_target_inputs().empty()) decoder->remove_parameter(parameter);
    }

    // Every self-attention takes the causal mask the export computes from the cache length; a batch needs
    // one per row.
    const auto self_attentions = attentions(decoder, false);
    const auto mask_type =
        self_attentions.front()->get_input_size() > 3 ? self_attentions.front()->get_input_element_type(3) : ov::element::f32;
    auto mask = add_input(kAttentionMask, mask_type == ov::element::boolean ? ov::element::f32 : mask_type, ov::PartialShape::dynamic(4));
    for (const auto& sdpa : self_attentions) {
        if (sdpa->get_input_size() < 4 || sdpa->get_causal()) unsupported(sdpa->get_friendly_name() + " has no explicit mask");
        if (sdpa->get_input_element_type(3) == ov::element::boolean) unsupported(sdpa->get_friendly_name() + " has a boolean mask");
        sdpa->input(3).replace_source_output(mask);
    }
    inputs.push_back(mask);

    // The learned positions are indexed by the cache length plus the step's offsets; a batch indexes them per row.
    std::shared_ptr<v8::Gather> positions;
    for (const auto& node : decoder->get_ordered_ops()) {
        const auto gather = ov::as_type_ptr<v8::Gather>(node);
        if (gather && gather->get_friendly_name().find("embed_positions") != std::string::npos) {
            if (positions) unsupported("it has more than one Gather of embed_positions");
            positions = gather;
        }
    }
    if (!positions) unsupported("no Gather of embed_positions was found");
    auto position_ids = add_input(kPositionIds, ov::element::i64, ov::PartialShape::dynamic(2));
    positions->input(1).replace_source_output(position_ids);
    inputs.push_back(position_ids);

    decoder->add_parameters(inputs);
    decoder->validate_nodes_and_infer_types();
    return caches.size();
}

std::shared_ptr<ov::Model> cross_kv_model(const std::shared_ptr<ov::Model>& decoder, ov::element::Type cross_kv_type) {
    const auto copy = decoder->clone();
    ov::ResultVector results;
    for (const auto& cache : cross_kv_caches(copy)) {
        ov::Output<ov::Node> value = cache->input_value(0);
        if (value.get_element_type() != cross_kv_type) value = std::make_shared<v0::Convert>(value, cross_kv_type);
        results.push_back(std::make_shared<v0::Result>(value));
    }
    std::shared_ptr<v0::Parameter> encoder_hidden_states;
    for (const auto& parameter : copy->get_parameters()) {
        if (parameter->output(0).get_names().count("encoder_hidden_states")) encoder_hidden_states = parameter;
    }
    if (!encoder_hidden_states) unsupported("it has no encoder_hidden_states input");
    auto model = std::make_shared<ov::Model>(results, ov::ParameterVector{encoder_hidden_states}, "whisper_cross_kv");
    model->validate_nodes_and_infer_types();
    return model;
}

}  // namespace ovspeech::whisper
