#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <openvino/runtime/infer_request.hpp>

#include "whisper/whisper_config.h"

namespace ovspeech::whisper {

// Text <-> token ids through the folder's openvino_tokenizer / openvino_detokenizer IRs (one pair of
// infer requests per session, so sessions never share state).
class WhisperTokenizer {
public:
    WhisperTokenizer(ov::InferRequest tokenizer, ov::InferRequest detokenizer);

    // Ids of a prompt's text, without the special tokens the tokenizer wraps every text in (the same
    // ids GenAI drops: <|startoftranscript|>, <|notimestamps|>, <|endoftext|>).
    std::vector<int64_t> encode_prompt(const std::string& text, const WhisperConfig& config);

    // Text of ids; special tokens are skipped, timestamp tokens are not (they are not special).
    std::string decode(const std::vector<int64_t>& tokens);

private:
    ov::InferRequest tokenizer_;
    ov::InferRequest detokenizer_;
};

}  // namespace ovspeech::whisper
