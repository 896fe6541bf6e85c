#include "tts/tts_model.h"

#include <map>

#include "common/error.h"
#include "common/json_file.h"
#include "common/model_ir.h"
#include "tts/speecht5_model.h"

namespace ovspeech::tts {
namespace {

using Loader = std::shared_ptr<const TtsModel> (*)(const std::filesystem::path&, const CompileOptions&);

// The one list of text-to-speech families, by config.json's model_type.
const std::map<std::string, Loader>& loaders() {
    static const std::map<std::string, Loader> by_family{
        {"speecht5",
         [](const std::filesystem::path& dir, const CompileOptions& options) -> std::shared_ptr<const TtsModel> {
             return SpeechT5Model::load(dir, options);
         }},
    };
    return by_family;
}

}  // namespace

std::shared_ptr<const TtsModel> TtsModel::load(const std::filesystem::path& dir, const CompileOptions& options) {
    require_model_folder(dir);
    const nlohmann::json config = read_json_file(dir / "config.json");
    const std::string family = config.value("model_type", std::string());
    const auto loader = loaders().find(family);
    if (loader != loaders().end()) return loader->second(dir, options);
    std::string known;
    for (const std::string& name : families()) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorCode::UnsupportedModel, "config.json in " + dir.string() + " has model_type \"" + family +
                                                 "\", not a text-to-speech family ovspeech knows (" + known + ")");
}

std::vector<std::string> TtsModel::families() {
    std::vector<std::string> names;
    for (const auto& [name, loader] : loaders()) names.push_back(name);
    return names;
}

}  // namespace ovspeech::tts
