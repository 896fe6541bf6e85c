#include "common/runtime.h"

#include <dlfcn.h>

#include <filesystem>

#include <openvino/core/version.hpp>

#include "common/error.h"

namespace ovspeech {
namespace {

// The tokenizers library sits at a path fixed at build time relative to the binary holding this code
// (the addon or the test executable), the same way the rpath finds libopenvino.
std::filesystem::path tokenizers_library_path() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&tokenizers_library_path), &info) == 0 || info.dli_fname == nullptr) {
        throw Error(ErrorCode::Internal, "cannot locate the ovspeech binary to find libopenvino_tokenizers.so");
    }
    std::filesystem::path self = std::filesystem::canonical(info.dli_fname);
    return (self.parent_path() / OVSPEECH_TOKENIZERS_RELPATH).lexically_normal();
}

ov::Core make_core() {
    ov::Core core;
    const auto library = tokenizers_library_path();
    if (!std::filesystem::exists(library)) {
        throw Error(ErrorCode::Internal, "libopenvino_tokenizers.so is missing at " + library.string() + ": reinstall with npm ci");
    }
    core.add_extension(library.string());
    return core;
}

}  // namespace

ov::Core& runtime_core() {
    static ov::Core core = make_core();
    return core;
}

std::string openvino_version() {
    return ov::get_openvino_version().buildNumber;
}

std::vector<DeviceInfo> available_devices() {
    ov::Core& core = runtime_core();
    std::vector<DeviceInfo> devices;
    for (const auto& name : core.get_available_devices()) {
        devices.push_back({name, core.get_property(name, ov::device::full_name)});
    }
    return devices;
}

}  // namespace ovspeech
