#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tts/tts_model.h"

namespace ovspeech::tts {

// The OpenAI API's voice names, which resolve to a model's own voices.
extern const std::vector<std::string> kOpenAiVoices;

// Speaker embeddings by name (file stem) for families whose voices are embeddings: each <name>.bin of
// model_dir/voices and of `extra_dir` holds `voice_size` little-endian float32. A file of the wrong size or
// with non-finite values is an UNSUPPORTED_MODEL error naming it; a model without any voice is one too.
std::map<std::string, Voice> load_embedding_voices(const std::filesystem::path& model_dir,
                                                   const std::optional<std::filesystem::path>& extra_dir, size_t voice_size);

// A model's voices by name, whatever their kind: its own (TtsModel::load_voices), aliases and OpenAI names.
class VoiceLibrary {
public:
    // `aliases` maps further names (the OpenAI ones, say) to voice names.
    static VoiceLibrary load(const TtsModel& model, const std::optional<std::filesystem::path>& extra_dir,
                             const std::map<std::string, std::string>& aliases);

    // The voice `name` (a voice, an alias or an OpenAI name) stands for; the default voice when empty.
    // Unknown names are an INVALID_ARGUMENT error listing the voices there are.
    const Voice& resolve(const std::string& name) const;
    // Whether resolve() accepts `name`.
    bool contains(const std::string& name) const { return find(name) != nullptr; }

    // Every name that resolve() accepts, sorted.
    std::vector<std::string> names() const;
    const std::string& default_voice() const { return default_voice_; }

private:
    // The voice `name` resolves to, or nullptr.
    const Voice* find(const std::string& name) const;

    std::map<std::string, Voice> voices_;
    std::map<std::string, std::string> aliases_;
    std::string default_voice_;
};

}  // namespace ovspeech::tts
