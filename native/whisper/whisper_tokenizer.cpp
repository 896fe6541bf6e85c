#include "whisper/whisper_tokenizer.h"

#include <algorithm>

namespace ovspeech::whisper {

WhisperTokenizer::WhisperTokenizer(ov::InferRequest tokenizer, ov::InferRequest detokenizer)
    : tokenizer_(std::move(tokenizer)), detokenizer_(std::move(detokenizer)) {}

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

}  // namespace ovspeech::whisper
