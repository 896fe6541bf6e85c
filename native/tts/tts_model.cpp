#include "tts/tts_model.h"

#include "common/error.h"
#include "common/json_file.h"
#include "common/model_ir.h"
#include "tts/speecht5_model.h"

namespace ovspeech::tts {

std::shared_ptr<const TtsModel> TtsModel::load(const std::filesystem::path& dir, const CompileOptions& options) {
    require_model_folder(dir);
    const nlohmann::json config = read_json_file(dir / "config.json");
    const std::string family = config.value("model_type", std::string());
    if (family == "speecht5") return SpeechT5Model::load(dir, options);
    throw Error(ErrorCode::UnsupportedModel,
                "config.json in " + dir.string() + " has model_type \"" + family + "\", not a text-to-speech family ovspeech knows (speecht5)");
}

}  // namespace ovspeech::tts
