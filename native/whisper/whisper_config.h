#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/model_family.h"

namespace ovspeech::whisper {

// config.json's model_type of the Whisper family.
constexpr const char* kWhisperModelType = "whisper";

// The Whisper family: an optimum-cli export whose config.json's model_type is "whisper".
ModelFamily model_family();

// What the decoding rules need from a Whisper folder's config.json and generation_config.json.
struct WhisperConfig {
    // config.json
    size_t max_source_positions = 1500;
    size_t decoder_layers = 0;
    size_t decoder_attention_heads = 0;

    // generation_config.json
    int64_t decoder_start_token_id = 0;  // <|startoftranscript|>
    int64_t eos_token_id = 0;            // <|endoftext|>
    int64_t no_timestamps_token_id = 0;  // timestamps start right after it
    int64_t prev_sot_token_id = 0;       // <|startofprev|>
    std::optional<int64_t> transcribe_token_id;
    std::optional<int64_t> translate_token_id;
    bool is_multilingual = false;
    std::map<std::string, int64_t> lang_to_id;  // "<|en|>" -> id, ordered by name as GenAI iterates it
    std::vector<int64_t> suppress_tokens;
    std::vector<int64_t> begin_suppress_tokens;
    size_t max_initial_timestamp_index = 50;
    size_t max_length = 448;
    std::vector<std::pair<size_t, size_t>> alignment_heads;  // (layer, head)

    int64_t timestamp_begin() const { return no_timestamps_token_id + 1; }
    // <|nospeech|> (also called <|nocaptions|>) sits just before <|notimestamps|>.
    int64_t no_speech_token_id() const { return no_timestamps_token_id - 1; }
    // <|endoftext|> to <|notimestamps|>, which the detokenizer leaves out of text. The timestamp tokens
    // after them are not special: they decode to text such as "<|1.00|>".
    bool is_special(int64_t token) const { return token >= eos_token_id && token < timestamp_begin(); }

    // Throws Error(UnsupportedModel) naming the file and key that is missing or malformed.
    static WhisperConfig from_folder(const std::filesystem::path& dir);
};

}  // namespace ovspeech::whisper
