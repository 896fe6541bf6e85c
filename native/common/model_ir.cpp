#include "common/model_ir.h"

#include "common/error.h"
#include "common/runtime.h"

namespace ovspeech {

std::shared_ptr<ov::Model> read_ir(const std::filesystem::path& dir, const std::string& name) {
    const auto xml = dir / (name + ".xml");
    if (!std::filesystem::exists(xml)) {
        throw Error(ErrorCode::UnsupportedModel, name + ".xml is missing in " + dir.string());
    }
    try {
        return runtime_core().read_model(xml.string());
    } catch (const std::exception& e) {
        throw Error(ErrorCode::UnsupportedModel, "cannot read " + name + ".xml in " + dir.string() + ": " + e.what());
    }
}

ov::CompiledModel compile_ir(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                             const ov::AnyMap& properties) {
    try {
        return runtime_core().compile_model(model, device, properties);
    } catch (const ov::Exception& e) {
        throw Error(ErrorCode::InvalidArgument, "cannot compile " + name + " for device " + device + ": " + e.what());
    }
}

void require_model_folder(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw Error(ErrorCode::ModelNotFound, "model folder " + dir.string() + " does not exist");
    }
}

}  // namespace ovspeech
