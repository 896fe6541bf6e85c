#pragma once

#include <map>
#include <optional>
#include <string>

#include <openvino/runtime/properties.hpp>

namespace ovspeech {

// How a model folder's IRs are compiled: passed to OpenVINO as they are, so its own errors name an
// absent device or an unsupported setting.
struct CompileOptions {
    std::string device = "CPU";
    std::optional<std::string> performance_hint;     // "LATENCY" | "THROUGHPUT" | "CUMULATIVE_THROUGHPUT"
    std::optional<int> num_streams;                  // at least 1 (the addon checks what JS passes)
    std::optional<std::string> inference_precision;  // "f32" | "f16" | "bf16"
    std::optional<std::string> cache_dir;
    // Any other OpenVINO property by name, as OpenVINO Model Server's plugin_config (values as text,
    // which OpenVINO parses), e.g. {"DYNAMIC_QUANTIZATION_GROUP_SIZE", "0"}.
    std::map<std::string, std::string> plugin_config;

    ov::AnyMap properties() const;

    // Whether a model's inferences may run in two lanes of half the cores each (scheduler/compute_gate.h):
    // on the CPU, unless streams, threads or a throughput hint are set, which decide the split themselves.
    bool allows_lanes() const;

    // properties() for a model whose input shapes change from call to call (a decoder step, a unit of text).
    // OpenVINO's CPU plugin keeps what it prepares for each input shape, 5000 shapes by default, for as
    // long as the compiled model lives: measured on the tiny SpeechT5, one request of "1" x 200 (721
    // decoder steps) left RSS 1.2 GB higher with the cache, and unchanged without it. This turns that
    // cache off on the CPU; a plugin_config entry of the same name still wins.
    ov::AnyMap dynamic_shape_properties() const;
};

}  // namespace ovspeech
