#include "tts/voices.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include "common/error.h"

namespace ovspeech::tts {

const std::vector<std::string> kOpenAiVoices = {"alloy", "ash",  "ballad", "coral",   "echo", "fable",
                                                "nova",  "onyx", "sage",   "shimmer", "verse"};

namespace {

std::vector<float> read_voice(const std::filesystem::path& file, size_t voice_size) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (bytes.size() != voice_size * sizeof(float)) {
        throw Error(ErrorCode::UnsupportedModel, "voice file " + file.string() + " holds " + std::to_string(bytes.size()) + " bytes, not " +
                                                     std::to_string(voice_size) + " float32");
    }
    std::vector<float> voice(voice_size);
    std::memcpy(voice.data(), bytes.data(), bytes.size());  // little-endian, as the machine
    for (const float value : voice) {
        if (!std::isfinite(value)) throw Error(ErrorCode::UnsupportedModel, "voice file " + file.string() + " holds a non-finite value");
    }
    return voice;
}

void read_folder(const std::filesystem::path& folder, size_t voice_size, std::map<std::string, Voice>& voices) {
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec)) return;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        if (entry.is_regular_file() && entry.path().extension() == ".bin") {
            voices[entry.path().stem().string()] = read_voice(entry.path(), voice_size);
        }
    }
}

}  // namespace

std::map<std::string, Voice> load_embedding_voices(const std::filesystem::path& model_dir,
                                                   const std::optional<std::filesystem::path>& extra_dir, size_t voice_size) {
    std::map<std::string, Voice> voices;
    read_folder(model_dir / "voices", voice_size, voices);
    if (extra_dir) {
        std::error_code ec;
        if (!std::filesystem::is_directory(*extra_dir, ec)) {
            throw Error(ErrorCode::InvalidArgument, "the voices folder " + extra_dir->string() + " does not exist");
        }
        read_folder(*extra_dir, voice_size, voices);
    }
    if (voices.empty()) {
        throw Error(ErrorCode::UnsupportedModel, "no voice: " + (model_dir / "voices").string() + " has no <name>.bin speaker embedding");
    }
    return voices;
}

VoiceLibrary VoiceLibrary::load(const TtsModel& model, const std::optional<std::filesystem::path>& extra_dir,
                                const std::map<std::string, std::string>& aliases) {
    VoiceLibrary library;
    library.voices_ = model.load_voices(extra_dir);
    library.default_voice_ = library.voices_.count("default") ? "default" : library.voices_.begin()->first;

    for (const auto& [alias, voice] : aliases) {
        if (!library.voices_.count(voice)) {
            throw Error(ErrorCode::InvalidArgument, "voice alias " + alias + " names " + voice + ", which is not a voice of this model");
        }
        library.aliases_[alias] = voice;
    }
    // OpenAI names not configured otherwise take the model's voices in turn, so every client's choice
    // is a real, stable voice.
    size_t next = 0;
    std::vector<std::string> own;
    for (const auto& [name, voice] : library.voices_) own.push_back(name);
    for (const auto& name : kOpenAiVoices) {
        if (!library.voices_.count(name) && !library.aliases_.count(name)) library.aliases_[name] = own[next++ % own.size()];
    }
    return library;
}

const Voice* VoiceLibrary::find(const std::string& name) const {
    const std::string& wanted = name.empty() ? default_voice_ : name;
    const auto alias = aliases_.find(wanted);
    const auto voice = voices_.find(alias != aliases_.end() ? alias->second : wanted);
    return voice == voices_.end() ? nullptr : &voice->second;
}

const Voice& VoiceLibrary::resolve(const std::string& name) const {
    const Voice* voice = find(name);
    if (voice == nullptr) {
        std::string known;
        for (const auto& candidate : names()) known += (known.empty() ? "" : ", ") + candidate;
        throw Error(ErrorCode::InvalidArgument, "unknown voice \"" + name + "\"; this model has: " + known);
    }
    return *voice;
}

std::vector<std::string> VoiceLibrary::names() const {
    std::vector<std::string> all;
    for (const auto& [name, voice] : voices_) all.push_back(name);
    for (const auto& [alias, voice] : aliases_) {
        if (!voices_.count(alias)) all.push_back(alias);
    }
    std::sort(all.begin(), all.end());
    return all;
}

}  // namespace ovspeech::tts
