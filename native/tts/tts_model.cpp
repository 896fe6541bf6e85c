#include "tts/tts_model.h"

#include <vector>

#include "common/error.h"
#include "tts/piper_model.h"
#include "tts/speecht5_model.h"

namespace ovspeech::tts {
namespace {

using Loader = std::shared_ptr<const TtsModel> (*)(const std::filesystem::path&, const CompileOptions&);

struct TtsFamily {
    ModelFamily family;
    Loader load;
};

// The one list of text-to-speech families: how each recognizes its folder, and how it loads.
const std::vector<TtsFamily>& tts_families() {
    static const std::vector<TtsFamily> table{
        {family_by_model_type("speecht5", ModelKind::Speech),
         [](const std::filesystem::path& dir, const CompileOptions& options) -> std::shared_ptr<const TtsModel> {
             return SpeechT5Model::load(dir, options);
         }},
        {PiperModel::model_family(),
         [](const std::filesystem::path& dir, const CompileOptions& options) -> std::shared_ptr<const TtsModel> {
             return PiperModel::load(dir, options);
         }},
    };
    return table;
}

}  // namespace

std::shared_ptr<const TtsModel> TtsModel::load(const std::filesystem::path& dir, const CompileOptions& options) {
    const FolderContents contents = read_folder_contents(dir);
    for (const TtsFamily& row : tts_families()) {
        if (row.family.recognizes(contents)) return row.load(dir, options);
    }
    std::string known;
    for (const TtsFamily& row : tts_families()) known += (known.empty() ? "" : ", ") + row.family.name;
    const std::string found = contents.model_type ? "config.json has model_type \"" + *contents.model_type + "\"" : contents.config_problem;
    throw Error(ErrorCode::UnsupportedModel,
                dir.string() + " is not a folder of a text-to-speech family ovspeech knows (" + known + "): " + found);
}

std::vector<ModelFamily> TtsModel::families() {
    std::vector<ModelFamily> families;
    for (const TtsFamily& row : tts_families()) families.push_back(row.family);
    return families;
}

}  // namespace ovspeech::tts
