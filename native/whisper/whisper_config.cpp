#include "whisper/whisper_config.h"

#include "common/error.h"
#include "common/json_file.h"

namespace ovspeech::whisper {
namespace {

using nlohmann::json;

class JsonReader {
public:
    JsonReader(const std::filesystem::path& file) : file_(file.filename().string()), json_(read_json_file(file)) {}

    template <typename T>
    void read(const char* key, T& value) const {
        if (!json_.contains(key) || json_[key].is_null()) return;
        try {
            value = json_[key].get<T>();
        } catch (const json::exception& e) {
            throw Error(ErrorCode::UnsupportedModel, file_ + ": " + key + " has the wrong type: " + e.what());
        }
    }

    template <typename T>
    void require(const char* key, T& value) const {
        if (!json_.contains(key)) throw Error(ErrorCode::UnsupportedModel, file_ + " has no " + key);
        read(key, value);
    }

    const json& json_value() const { return json_; }
    const std::string& file() const { return file_; }

private:
    std::string file_;
    json json_;
};

}  // namespace

ModelFamily model_family() {
    return family_by_model_type(kWhisperModelType, ModelKind::Transcription);
}

WhisperConfig WhisperConfig::from_folder(const std::filesystem::path& dir) {
    WhisperConfig config;

    JsonReader model(dir / "config.json");
    std::string model_type;
    model.require("model_type", model_type);
    if (model_type != kWhisperModelType) {
        throw Error(ErrorCode::UnsupportedModel, "config.json: model_type is " + model_type + ", not whisper");
    }
    model.read("max_source_positions", config.max_source_positions);
    model.require("decoder_layers", config.decoder_layers);
    model.require("decoder_attention_heads", config.decoder_attention_heads);

    JsonReader generation(dir / "generation_config.json");
    generation.require("decoder_start_token_id", config.decoder_start_token_id);
    generation.require("no_timestamps_token_id", config.no_timestamps_token_id);
    generation.require("prev_sot_token_id", config.prev_sot_token_id);
    generation.read("is_multilingual", config.is_multilingual);
    generation.read("lang_to_id", config.lang_to_id);
    generation.read("suppress_tokens", config.suppress_tokens);
    generation.read("begin_suppress_tokens", config.begin_suppress_tokens);
    generation.read("max_initial_timestamp_index", config.max_initial_timestamp_index);
    generation.read("max_length", config.max_length);

    // eos_token_id may be a list in generation configs; Whisper's first entry is <|endoftext|>.
    const json& eos = generation.json_value().value("eos_token_id", json());
    if (eos.is_number_integer())
        config.eos_token_id = eos.get<int64_t>();
    else if (eos.is_array() && !eos.empty() && eos[0].is_number_integer())
        config.eos_token_id = eos[0].get<int64_t>();
    else
        throw Error(ErrorCode::UnsupportedModel, "generation_config.json has no eos_token_id");

    if (config.is_multilingual) {
        const json& tasks = generation.json_value().value("task_to_id", json::object());
        if (!tasks.contains("transcribe") || !tasks.contains("translate") || config.lang_to_id.empty()) {
            throw Error(ErrorCode::UnsupportedModel,
                        "generation_config.json of a multilingual model needs task_to_id.transcribe, task_to_id.translate and lang_to_id");
        }
        config.transcribe_token_id = tasks["transcribe"].get<int64_t>();
        config.translate_token_id = tasks["translate"].get<int64_t>();
    }

    std::vector<std::vector<size_t>> heads;
    generation.read("alignment_heads", heads);
    for (const auto& head : heads) {
        if (head.size() != 2 || head[0] >= config.decoder_layers || head[1] >= config.decoder_attention_heads) {
            throw Error(ErrorCode::UnsupportedModel,
                        "generation_config.json: alignment_heads entries must be [layer, head] within the decoder");
        }
        config.alignment_heads.emplace_back(head[0], head[1]);
    }
    return config;
}

}  // namespace ovspeech::whisper
