#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <openvino/core/model.hpp>
#include <openvino/runtime/compiled_model.hpp>

namespace ovspeech {

// Reads a model file OpenVINO reads (an IR's .xml, an .onnx); a missing or unreadable file is an
// UNSUPPORTED_MODEL error naming it.
std::shared_ptr<ov::Model> read_model_file(const std::filesystem::path& file);

// Reads <dir>/<name>.xml; a missing or unreadable IR is an UNSUPPORTED_MODEL error naming it.
std::shared_ptr<ov::Model> read_ir(const std::filesystem::path& dir, const std::string& name);

// Compiles an IR for a device. A failure says which IR and device it was, coded by whose it is: an absent
// device (param "device") or settings the device refuses are INVALID_ARGUMENT; an IR the device cannot
// run is UNSUPPORTED_MODEL; anything else (out of memory) is INTERNAL with OpenVINO's message kept.
ov::CompiledModel compile_ir(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                             const ov::AnyMap& properties);

// Checks that `dir` is a folder: MODEL_NOT_FOUND otherwise.
void require_model_folder(const std::filesystem::path& dir);

}  // namespace ovspeech
