#include "common/compile_options.h"

#include "common/error.h"

namespace ovspeech {

ov::AnyMap CompileOptions::properties() const {
    ov::AnyMap properties;
    if (performance_hint) {
        ov::hint::PerformanceMode mode;
        if (*performance_hint == "LATENCY")
            mode = ov::hint::PerformanceMode::LATENCY;
        else if (*performance_hint == "THROUGHPUT")
            mode = ov::hint::PerformanceMode::THROUGHPUT;
        else if (*performance_hint == "CUMULATIVE_THROUGHPUT")
            mode = ov::hint::PerformanceMode::CUMULATIVE_THROUGHPUT;
        else
            throw Error(ErrorCode::InvalidArgument,
                        "performance hint must be LATENCY, THROUGHPUT or CUMULATIVE_THROUGHPUT, got " + *performance_hint);
        properties.emplace(ov::hint::performance_mode(mode));
    }
    if (num_streams) properties.emplace(ov::num_streams(*num_streams));
    if (inference_precision) {
        if (*inference_precision != "f32" && *inference_precision != "f16" && *inference_precision != "bf16") {
            throw Error(ErrorCode::InvalidArgument, "inference precision must be f32, f16 or bf16, got " + *inference_precision);
        }
        properties.emplace(ov::hint::inference_precision(ov::element::Type(*inference_precision)));
    }
    if (cache_dir) properties.emplace(ov::cache_dir(*cache_dir));
    for (const auto& [name, value] : plugin_config) properties[name] = value;
    return properties;
}

bool CompileOptions::allows_lanes() const {
    if (device != "CPU" || num_streams || (performance_hint && *performance_hint != "LATENCY")) return false;
    for (const auto& name : {ov::inference_num_threads.name(), ov::num_streams.name(), ov::hint::performance_mode.name()}) {
        if (plugin_config.count(name)) return false;
    }
    return true;
}

ov::AnyMap CompileOptions::dynamic_shape_properties() const {
    ov::AnyMap properties = this->properties();
    if (device == "CPU") properties.emplace("CPU_RUNTIME_CACHE_CAPACITY", 0);
    return properties;
}

}  // namespace ovspeech
