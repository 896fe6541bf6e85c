#pragma once

#include <optional>
#include <string>

#include <openvino/runtime/properties.hpp>

namespace ovspeech {

// How a model folder's IRs are compiled: passed to OpenVINO as they are, so its own errors name an
// absent device or an unsupported setting.
struct CompileOptions {
    std::string device = "CPU";
    std::optional<std::string> performance_hint;  // "LATENCY" | "THROUGHPUT" | "CUMULATIVE_THROUGHPUT"
    std::optional<int> num_streams;
    std::optional<std::string> inference_precision;  // "f32" | "f16" | "bf16"
    std::optional<std::string> cache_dir;

    ov::AnyMap properties() const;
};

}  // namespace ovspeech
