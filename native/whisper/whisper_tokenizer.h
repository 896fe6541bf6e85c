#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <openvino/core/model.hpp>
#include <openvino/runtime/infer_request.hpp>

#include "whisper/whisper_config.h"

namespace ovspeech::whisper {

// Text <-> token ids through the folder's openvino_tokenizer / openvino_detokenizer IRs (one pair of
// infer requests per session, so sessions never share state).
class WhisperTokenizer {
public:
    // `make_byte_detokenizer` is called on the first token_bytes(), for a request on the detokenizer as
    // keep_token_bytes() leaves it.
    WhisperTokenizer(ov::InferRequest tokenizer, ov::InferRequest detokenizer, std::function<ov::InferRequest()> make_byte_detokenizer);

    // Ids of a prompt's text, without the special tokens the tokenizer wraps every text in (the same
    // ids GenAI drops: <|startoftranscript|>, <|notimestamps|>, <|endoftext|>).
    std::vector<int64_t> encode_prompt(const std::string& text, const WhisperConfig& config);

    // Text of ids; special tokens are skipped, timestamp tokens are not (they are not special).
    std::string decode(const std::vector<int64_t>& tokens);

    // Each token's own bytes, in one inference (a batch of one-token rows). Unlike decode({token}), a
    // token that ends inside a UTF-8 character keeps its bytes instead of becoming U+FFFD.
    std::vector<std::string> token_bytes(const std::vector<int64_t>& tokens);

private:
    ov::InferRequest tokenizer_;
    ov::InferRequest detokenizer_;
    std::function<ov::InferRequest()> make_byte_detokenizer_;
    std::optional<ov::InferRequest> byte_detokenizer_;
};

// Takes the UTF8Validate step out of an openvino_detokenizer IR, if it has one: it is what turns the
// bytes of an incomplete UTF-8 character into U+FFFD.
void keep_token_bytes(const std::shared_ptr<ov::Model>& detokenizer);

}  // namespace ovspeech::whisper
