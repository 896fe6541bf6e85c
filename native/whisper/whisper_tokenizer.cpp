#include "whisper/whisper_tokenizer.h"

#include <algorithm>

#include "common/error.h"

namespace ovspeech::whisper {

WhisperTokenizer::WhisperTokenizer(ov::InferRequest tokenizer, ov::InferRequest detokenizer,
                                   std::function<ov::InferRequest()> make_byte_detokenizer)
    : tokenizer_(std::move(tokenizer)), detokenizer_(std::move(detokenizer)), make_byte_detokenizer_(std::move(make_byte_detokenizer)) {}

std::vector<int64_t> WhisperTokenizer::encode_prompt(const std::string& text, const WhisperConfig& config) {
    std::string input = text;
    ov::Tensor strings(ov::element::string, ov::Shape{1}, &input);
    tokenizer_.set_input_tensor(strings);
    tokenizer_.infer();
    const ov::Tensor ids = tokenizer_.get_tensor("input_ids");
    const int64_t* data = ids.data<const int64_t>();
    std::vector<int64_t> tokens;
    for (size_t i = 0; i < ids.get_size(); ++i) {
        const int64_t token = data[i];
        if (token != config.decoder_start_token_id && token != config.eos_token_id && token != config.no_timestamps_token_id) {
            tokens.push_back(token);
        }
    }
    return tokens;
}

std::string WhisperTokenizer::decode(const std::vector<int64_t>& tokens) {
    std::vector<int64_t> ids = tokens;
    ov::Tensor input(ov::element::i64, ov::Shape{1, ids.size()}, ids.data());
    detokenizer_.set_input_tensor(input);
    detokenizer_.infer();
    return detokenizer_.get_output_tensor().data<std::string>()[0];
}

std::vector<std::string> WhisperTokenizer::token_bytes(const std::vector<int64_t>& tokens) {
    if (tokens.empty()) return {};
    if (!byte_detokenizer_) byte_detokenizer_ = make_byte_detokenizer_();
    std::vector<int64_t> ids = tokens;
    byte_detokenizer_->set_input_tensor(ov::Tensor(ov::element::i64, ov::Shape{ids.size(), 1}, ids.data()));
    byte_detokenizer_->infer();
    const ov::Tensor output = byte_detokenizer_->get_output_tensor();
    const std::string* strings = output.data<const std::string>();
    return {strings, strings + output.get_size()};
}

void keep_token_bytes(const std::shared_ptr<ov::Model>& detokenizer) {
    for (const auto& node : detokenizer->get_ordered_ops()) {
        if (std::string(node->get_type_name()) != "UTF8Validate") continue;
        // Its outputs are its inputs (ragged begins, ends and bytes) repaired: wire the inputs through.
        if (node->get_input_size() != node->get_output_size()) {
            throw Error(ErrorCode::UnsupportedModel, "openvino_detokenizer: its UTF8Validate step has " +
                                                         std::to_string(node->get_input_size()) + " inputs but " +
                                                         std::to_string(node->get_output_size()) + " outputs");
        }
        for (size_t i = 0; i < node->get_output_size(); ++i) node->output(i).replace(node->input_value(i));
    }
    detokenizer->validate_nodes_and_infer_types();
}

}  // namespace ovspeech::whisper
