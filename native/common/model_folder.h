#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ovspeech {

struct PortInfo {
    std::vector<std::string> names;
    std::string element_type;
    std::string shape;  // OpenVINO's partial-shape notation, e.g. "[?,80,3000]"
};

struct IrInfo {
    std::string name;  // file stem, e.g. "openvino_encoder_model"
    bool stateful = false;
    std::vector<PortInfo> inputs;
    std::vector<PortInfo> outputs;
};

struct ModelFolderInfo {
    std::string path;
    std::string model_type;   // config.json's model_type; empty without config.json (Piper)
    std::string config_json;  // config.json as read, re-serialized; empty without config.json
    std::vector<IrInfo> irs;  // every openvino_*.xml and .onnx of the folder, sorted by name
};

// Reads config.json, when there is one, and the I/O of each model file without compiling anything.
// Throws Error: MODEL_NOT_FOUND for a missing folder, UNSUPPORTED_MODEL for a broken one.
ModelFolderInfo inspect_model_folder(const std::filesystem::path& dir);

}  // namespace ovspeech
