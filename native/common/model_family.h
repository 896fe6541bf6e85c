#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ovspeech {

// What serves a family's models: Whisper transcribes, the text-to-speech families speak, a voice
// activity detector finds speech in audio.
enum class ModelKind { Transcription, Speech, Vad };

const char* model_kind_name(ModelKind kind);

// What a family looks at to recognize its folder, read once per folder.
struct FolderContents {
    std::filesystem::path dir;
    std::vector<std::string> files;         // names of the regular files (links followed), sorted
    std::optional<std::string> model_type;  // config.json's model_type, when it names one
    std::string config_problem;             // why config.json names no model_type; empty when it does
    bool config_unreadable = false;         // config.json is there but unreadable or not JSON

    bool has_file(const std::string& name) const;
    // Whether any file is an OpenVINO IR as optimum-cli exports them (openvino_*.xml).
    bool has_openvino_ir() const;
};

// A model family: its name, the kind of engine that serves it, and how it recognizes its folder, by
// config.json's model_type or by its files (Piper: `<voice>.onnx` beside `<voice>.onnx.json`).
struct ModelFamily {
    std::string name;
    ModelKind kind;
    std::function<bool(const FolderContents&)> recognizes;
};

// A family whose folder is an optimum-cli export: config.json's model_type is the family's name.
ModelFamily family_by_model_type(const std::string& name, ModelKind kind);

struct FamilyDetection {
    std::string family;             // the name of the one family that recognizes the folder; empty when none does
    std::optional<ModelKind> kind;  // that family's kind
    // A folder of a family, or one that looks like a model (config.json naming a model_type or unreadable,
    // an OpenVINO IR) that no family serves: it is listed as a model and nothing below it is.
    bool model_folder = false;
    std::string reason;  // why no family recognizes the folder; empty when one does
};

// Reads the folder's file names and config.json. Throws Error(MODEL_NOT_FOUND) for a missing folder.
FolderContents read_folder_contents(const std::filesystem::path& dir);

// Which of `families` recognizes `dir`; two that both do are reported as no family, with both names.
// Throws Error(MODEL_NOT_FOUND) for a missing folder.
FamilyDetection detect_family(const std::filesystem::path& dir, const std::vector<ModelFamily>& families);

}  // namespace ovspeech
