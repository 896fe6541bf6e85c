#pragma once

#include <string>
#include <vector>

#include <openvino/runtime/core.hpp>

namespace ovspeech {

// One ov::Core per process, with the openvino-tokenizers extension registered once, so that
// openvino_tokenizer.xml / openvino_detokenizer.xml read like any other IR.
ov::Core& runtime_core();

std::string openvino_version();

struct DeviceInfo {
    std::string name;
    std::string full_name;
};

std::vector<DeviceInfo> available_devices();

}  // namespace ovspeech
