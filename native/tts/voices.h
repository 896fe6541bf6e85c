#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ovspeech::tts {

// The OpenAI API's voice names, which resolve to a model's own voices.
extern const std::vector<std::string> kOpenAiVoices;

// Speaker embeddings by name (file stem), from a model folder's voices/ and an optional extra folder.
class VoiceLibrary {
public:
    // Each <name>.bin holds `voice_size` little-endian float32. `aliases` maps further names (the OpenAI
    // ones, say) to voice names. A file of the wrong size or with non-finite values is an UNSUPPORTED_MODEL
    // error naming it; a model without any voice is one too.
    static VoiceLibrary load(const std::filesystem::path& model_dir, const std::optional<std::filesystem::path>& extra_dir,
                             size_t voice_size, const std::map<std::string, std::string>& aliases);

    // The embedding of `name` (a voice, an alias or an OpenAI name); the default voice when empty.
    // Unknown names are an INVALID_ARGUMENT error listing the voices there are.
    const std::vector<float>& resolve(const std::string& name) const;
    // Whether resolve() accepts `name`.
    bool contains(const std::string& name) const { return find(name) != nullptr; }

    // Every name that resolve() accepts, sorted.
    std::vector<std::string> names() const;
    const std::string& default_voice() const { return default_voice_; }

private:
    // The embedding `name` resolves to, or nullptr.
    const std::vector<float>* find(const std::string& name) const;

    std::map<std::string, std::vector<float>> voices_;
    std::map<std::string, std::string> aliases_;
    std::string default_voice_;
};

}  // namespace ovspeech::tts
