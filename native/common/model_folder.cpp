#include "common/model_folder.h"

#include <algorithm>

#include <openvino/core/model.hpp>

#include "common/error.h"
#include "common/json_file.h"
#include "common/model_ir.h"
#include "common/runtime.h"

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

IrInfo describe_ir(const std::filesystem::path& xml) {
    std::shared_ptr<ov::Model> model;
    try {
        model = runtime_core().read_model(xml.string());
    } catch (const std::exception& e) {
        throw Error(ErrorCode::UnsupportedModel,
                    "cannot read " + xml.filename().string() + " in " + xml.parent_path().string() + ": " + e.what());
    }
    IrInfo info;
    info.name = xml.stem().string();
    info.stateful = !model->get_variables().empty();
    info.inputs = describe_ports(model->inputs());
    info.outputs = describe_ports(model->outputs());
    return info;
}

}  // namespace

ModelFolderInfo inspect_model_folder(const std::filesystem::path& dir) {
    require_model_folder(dir);
    const nlohmann::json config = read_json_file(dir / "config.json");
    if (!config.is_object() || !config.contains("model_type") || !config["model_type"].is_string()) {
        throw Error(ErrorCode::UnsupportedModel, "config.json in " + dir.string() + " has no string model_type");
    }

    std::vector<std::filesystem::path> xmls;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        if (entry.is_regular_file() && name.rfind("openvino_", 0) == 0 && entry.path().extension() == ".xml") {
            xmls.push_back(entry.path());
        }
    }
    if (xmls.empty()) {
        throw Error(ErrorCode::UnsupportedModel, "model folder " + dir.string() + " has no openvino_*.xml model");
    }
    std::sort(xmls.begin(), xmls.end());

    ModelFolderInfo info;
    info.path = dir.string();
    info.model_type = config["model_type"].get<std::string>();
    info.config_json = config.dump();
    for (const auto& xml : xmls) info.irs.push_back(describe_ir(xml));
    return info;
}

}  // namespace ovspeech
