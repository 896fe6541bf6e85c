#pragma once

#include <memory>

#include <openvino/core/model.hpp>

namespace ovspeech::whisper {

// Names of the inputs make_batchable() gives the decoder.
inline constexpr const char* kAttentionMask = "attention_mask";  // [rows, 1, tokens, cache + tokens]: 0 or -inf
inline constexpr const char* kPositionIds = "position_ids";      // [rows, tokens]
std::string cross_kv_input(size_t index);                        // "cross_kv.N": layer by layer, key then value

// Lets the stateful decoder step rows that are at different positions in one batch (design in
// native/scheduler/README.md):
// - each layer's cross-attention key and value become inputs of `cross_kv_type` (made once per window by
//   cross_kv_model()), so that the host keeps them per row instead of the request's state;
// - the self-attention mask and the positions become inputs, so that each row sees only its own tokens
//   of the shared self-attention cache, which stays in the state and is reordered by beam_idx.
// Returns the number of cross-attention inputs. Throws Error(UNSUPPORTED_MODEL) for a decoder of another
// shape than optimum's stateful Whisper export.
size_t make_batchable(const std::shared_ptr<ov::Model>& decoder, ov::element::Type cross_kv_type);

// The part of `decoder` (not yet made batchable) that projects encoder_hidden_states [1, frames, d_model]
// into each layer's cross-attention keys and values, as outputs of `cross_kv_type` in cross_kv_input order.
std::shared_ptr<ov::Model> cross_kv_model(const std::shared_ptr<ov::Model>& decoder, ov::element::Type cross_kv_type);

}  // namespace ovspeech::whisper
