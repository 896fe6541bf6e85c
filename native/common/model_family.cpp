#include "common/model_family.h"

#include <algorithm>

#include "common/error.h"
#include "common/json_file.h"
#include "common/model_ir.h"

namespace ovspeech {

const char* model_kind_name(ModelKind kind) {
    switch (kind) {
        case ModelKind::Transcription:
            return "transcription";
        case ModelKind::Speech:
            return "speech";
        case ModelKind::Vad:
            return "vad";
    }
    return "";
}

bool FolderContents::has_file(const std::string& name) const {
    return std::binary_search(files.begin(), files.end(), name);
}

bool FolderContents::has_openvino_ir() const {
    return std::any_of(files.begin(), files.end(), [](const std::string& name) {
        const std::string extension = ".xml";
        return name.rfind("openvino_", 0) == 0 && name.size() > extension.size() &&
               name.compare(name.size() - extension.size(), extension.size(), extension) == 0;
    });
}

ModelFamily family_by_model_type(const std::string& name, ModelKind kind) {
    return {name, kind, [name](const FolderContents& contents) { return contents.model_type == name; }};
}

FolderContents read_folder_contents(const std::filesystem::path& dir) {
    require_model_folder(dir);
    FolderContents contents;
    contents.dir = dir;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::error_code ec;
        if (entry.is_regular_file(ec)) contents.files.push_back(entry.path().filename().string());
    }
    std::sort(contents.files.begin(), contents.files.end());
    if (!contents.has_file("config.json")) {
        contents.config_problem = dir.string() + " has no config.json";
        return contents;
    }
    try {
        const nlohmann::json config = read_json_file(dir / "config.json");
        if (config.is_object() && config.contains("model_type") && config["model_type"].is_string()) {
            contents.model_type = config["model_type"].get<std::string>();
        } else {
            contents.config_problem = "config.json in " + dir.string() + " has no string model_type";
        }
    } catch (const Error& e) {
        contents.config_unreadable = true;
        contents.config_problem = e.what();
    }
    return contents;
}

FamilyDetection detect_family(const std::filesystem::path& dir, const std::vector<ModelFamily>& families) {
    const FolderContents contents = read_folder_contents(dir);
    std::vector<const ModelFamily*> matches;
    for (const ModelFamily& family : families) {
        if (family.recognizes(contents)) matches.push_back(&family);
    }
    FamilyDetection detection;
    if (matches.size() == 1) {
        detection.family = matches.front()->name;
        detection.kind = matches.front()->kind;
        detection.model_folder = true;
        return detection;
    }
    if (matches.size() > 1) {
        detection.model_folder = true;
        detection.reason = dir.string() + " is recognized by more than one family (" + matches[0]->name + ", " + matches[1]->name + ")";
        return detection;
    }
    if (contents.model_type) {
        std::vector<std::string> names;
        for (const ModelFamily& family : families) names.push_back(family.name);
        std::sort(names.begin(), names.end());
        std::string known;
        for (const std::string& name : names) known += (known.empty() ? "" : ", ") + name;
        detection.model_folder = true;
        detection.reason = "model_type \"" + *contents.model_type + "\" is not a family ovspeech serves (" + known + ")";
        return detection;
    }
    // An unreadable config.json or an IR without a family is a broken model, worth reporting; a readable
    // config.json naming no model_type with no IR (OpenVINO Model Server's own config.json) is not a model.
    detection.model_folder = contents.config_unreadable || contents.has_openvino_ir();
    detection.reason = detection.model_folder ? contents.config_problem : "no model family recognizes " + dir.string();
    return detection;
}

}  // namespace ovspeech
