#include "common/model_ir.h"

#include <new>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/runtime.h"

namespace ovspeech {
namespace {

// OpenVINO's message without its "Exception from src/…" and "Check '…' failed at …" location lines.
std::string reason(const std::exception& e) {
    std::istringstream lines(e.what());
    std::string line;
    std::string text;
    while (std::getline(lines, line)) {
        if (line.empty() || line.rfind("Exception from ", 0) == 0 ||
            (line.rfind("Check '", 0) == 0 && line.find("' failed at ") != std::string::npos)) {
            continue;
        }
        text += (text.empty() ? "" : " ") + line;
    }
    return text.empty() ? e.what() : text;
}

// Whether one line of the error's message is `wanted`. ov::Core rethrows a plugin's exception as a plain
// ov::Exception that keeps only the message (its type is lost), so a line of that message is all that
// tells which error it was.
bool has_line(const std::exception& e, const std::string& wanted) {
    std::istringstream lines(e.what());
    std::string line;
    while (std::getline(lines, line)) {
        if (line == wanted) return true;
    }
    return false;
}

// The physical devices a device string names: "GPU.1" itself, the list of "AUTO:GPU,CPU" or
// "BATCH:GPU(4)"; none for a virtual device alone ("AUTO").
std::vector<std::string> named_devices(const std::string& device) {
    const auto colon = device.find(':');
    if (colon == std::string::npos) {
        if (device == "AUTO" || device == "MULTI" || device == "HETERO" || device == "BATCH") return {};
        return {device};
    }
    std::vector<std::string> named;
    std::istringstream list(device.substr(colon + 1));
    std::string item;
    while (std::getline(list, item, ',')) named.push_back(item.substr(0, item.find('(')));
    return named;
}

bool is_available(const std::string& device, const std::vector<std::string>& available) {
    for (const auto& name : available) {
        // "GPU" names the first of "GPU.0", "GPU.1"; "GPU.0" names a lone "GPU".
        if (name == device || name.rfind(device + ".", 0) == 0 || device == name + ".0") return true;
    }
    return false;
}

std::string joined(const std::vector<std::string>& names) {
    std::string text;
    for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
    return text.empty() ? "none" : text;
}

// Why compiling `model` for `device` with `properties` failed, as a coded error: an absent device or
// settings the device refuses are the caller's (INVALID_ARGUMENT); an IR the device cannot run is the
// model's (UNSUPPORTED_MODEL); anything else is INTERNAL, with OpenVINO's message for the log.
Error classify_compile_failure(const std::exception& failure, const std::shared_ptr<ov::Model>& model, const std::string& name,
                               const std::string& device, const ov::AnyMap& properties) {
    ov::Core& core = runtime_core();
    const std::string what = "cannot compile " + name + " for device " + device + ": ";
    if (has_line(failure, "std::bad_alloc")) return Error(ErrorCode::Internal, what + "out of memory: " + failure.what());
    std::vector<std::string> available;
    try {
        available = core.get_available_devices();
    } catch (const std::exception&) {
        return Error(ErrorCode::Internal, what + failure.what());  // the runtime itself is in trouble
    }
    for (const auto& named : named_devices(device)) {
        if (!is_available(named, available)) {
            return Error(ErrorCode::InvalidArgument,
                         what + "device " + named + " is not available (available devices: " + joined(available) + ")", "device");
        }
    }
    if (has_line(failure, "Not Implemented:")) {
        return Error(ErrorCode::UnsupportedModel, what + "the device does not support it: " + reason(failure));
    }
    ov::SupportedOpsMap supported;
    try {
        supported = core.query_model(model, device);
    } catch (const std::exception& e) {
        return Error(ErrorCode::UnsupportedModel, what + "the device cannot run it: " + reason(e));
    }
    std::set<std::string> unsupported;
    for (const auto& op : model->get_ops()) {
        if (supported.count(op->get_friendly_name()) == 0) unsupported.insert(op->get_type_name());
    }
    if (!unsupported.empty()) {
        return Error(ErrorCode::UnsupportedModel, what + "the device does not support its operations " +
                                                      joined({unsupported.begin(), unsupported.end()}) + ": " + reason(failure));
    }
    try {
        core.query_model(model, device, properties);
    } catch (const std::exception& e) {
        return Error(ErrorCode::InvalidArgument, what + "the compile settings are not valid: " + reason(e));
    }
    return Error(ErrorCode::Internal, what + failure.what());
}

}  // namespace

std::shared_ptr<ov::Model> read_model_file(const std::filesystem::path& file) {
    const std::string name = file.filename().string();
    const std::string dir = file.parent_path().string();
    if (!std::filesystem::exists(file)) {
        throw Error(ErrorCode::UnsupportedModel, name + " is missing in " + dir);
    }
    try {
        return runtime_core().read_model(file.string());
    } catch (const std::bad_alloc&) {
        throw Error(ErrorCode::Internal, "out of memory reading " + name + " in " + dir);
    } catch (const std::exception& e) {
        throw Error(ErrorCode::UnsupportedModel, "cannot read " + name + " in " + dir + ": " + reason(e));
    }
}

std::shared_ptr<ov::Model> read_ir(const std::filesystem::path& dir, const std::string& name) {
    return read_model_file(dir / (name + ".xml"));
}

ov::CompiledModel compile_ir(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                             const ov::AnyMap& properties) {
    try {
        return runtime_core().compile_model(model, device, properties);
    } catch (const std::bad_alloc&) {
        throw Error(ErrorCode::Internal, "out of memory compiling " + name + " for device " + device);
    } catch (const std::exception& e) {
        throw classify_compile_failure(e, model, name, device, properties);
    }
}

void require_model_folder(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw Error(ErrorCode::ModelNotFound, "model folder " + dir.string() + " does not exist");
    }
}

}  // namespace ovspeech
