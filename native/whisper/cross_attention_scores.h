#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <openvino/core/model.hpp>

namespace ovspeech::whisper {

// Replaces each cross-attention ScaledDotProductAttention of a Whisper decoder (friendly name
// containing "encoder_attn") by its parts, as OpenVINO GenAI does for word timestamps:
// softmax((Q * scale) x K^T + mask) x V. The scaled scores before the softmax, [batch, heads, tokens,
// encoder frames], become the output named cross_attention_scores_output(layer), layers numbered in
// graph order. Returns how many layers were exposed.
size_t expose_cross_attention_scores(const std::shared_ptr<ov::Model>& decoder);

std::string cross_attention_scores_output(size_t layer);

}  // namespace ovspeech::whisper
