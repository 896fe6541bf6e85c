#pragma once

#include <string>

#include <openvino/runtime/compiled_model.hpp>

namespace ovspeech {

// How a model's inferences use the device, as compiled: the server prints it when the model is ready.
struct ComputeSummary {
    std::string device;
    std::string precision;  // the element type the device computes in
    int threads = 0;        // of an inference on every core; 0 where the device has no such property
    int lane_threads = 0;   // of one lane when inferences run in two lanes (scheduler/compute_gate.h), else 0
};

// Reads `compiled`'s properties; those the device lacks stay empty or 0.
ComputeSummary summarize_compute(const ov::CompiledModel& compiled, const std::string& device, int lane_threads);

}  // namespace ovspeech
