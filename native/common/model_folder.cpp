#include "common/model_folder.h"

#include <algorithm>

#include <openvino/core/model.hpp>

#include "common/error.h"
#include "common/json_file.h"
#include "common/model_ir.h"

namespace ovspeech {
namespace {

std::vector<PortInfo> describe_ports(const std::vector<ov::Output<ov::Node>>& ports) {
    std::vector<PortInfo> described;
    for (const auto& port : ports) {
        const auto& names = port.get_names();
        PortInfo info;
        info.names.assign(names.begin(), names.end());
        std::sort(info.names.begin(), info.names.end());
        info.element_type = port.get_element_type().get_type_name();
        info.shape = port.get_partial_shape().to_string();
        described.push_back(std::move(info));
    }
    return described;
}

IrInfo describe_ir(const std::filesystem::path& file) {
    const std::shared_ptr<ov::Model> model = read_model_file(file);
    IrInfo info;
    info.name = file.stem().string();
    info.stateful = !model->get_variables().empty();
    info.inputs = describe_ports(model->inputs());
    info.outputs = describe_ports(model->outputs());
    return info;
}

}  // namespace

ModelFolderInfo inspect_model_folder(const std::filesystem::path& dir) {
    require_model_folder(dir);
    std::vector<std::filesystem::path> models;
    bool exported = false;  // an optimum-cli export: openvino_*.xml beside config.json
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        const auto extension = entry.path().extension();
        const bool ir = name.rfind("openvino_", 0) == 0 && extension == ".xml";
        if (entry.is_regular_file() && (ir || extension == ".onnx")) models.push_back(entry.path());
        exported = exported || ir;
    }

    ModelFolderInfo info;
    info.path = dir.string();
    // A folder of .onnx models alone (a Piper voice) needs no config.json; an export, or any folder that
    // has one, needs it to name a model_type.
    if (exported || std::filesystem::exists(dir / "config.json")) {
        const nlohmann::json config = read_json_file(dir / "config.json");
        if (!config.is_object() || !config.contains("model_type") || !config["model_type"].is_string()) {
            throw Error(ErrorCode::UnsupportedModel, "config.json in " + dir.string() + " has no string model_type");
        }
        info.model_type = config["model_type"].get<std::string>();
        info.config_json = config.dump();
    }
    if (models.empty()) {
        throw Error(ErrorCode::UnsupportedModel, "model folder " + dir.string() + " has no openvino_*.xml or .onnx model");
    }
    std::sort(models.begin(), models.end());
    for (const auto& model : models) info.irs.push_back(describe_ir(model));
    return info;
}

}  // namespace ovspeech
