#pragma once

#include <memory>
#include <string>

#include <openvino/core/model.hpp>
#include <openvino/runtime/compiled_model.hpp>

#include "common/compile_options.h"

namespace ovspeech {

// A model compiled for the two widths of a ComputeGate (scheduler/compute_gate.h): on every core, and in
// two streams, one per lane, of half the cores each. Without lanes, `narrow` is empty and every inference
// runs on `wide`.
struct LaneVariants {
    ov::CompiledModel wide;
    ov::CompiledModel narrow;
};

// Threads of one lane for a model whose every-core compile is `wide`: half of its threads, or 0 when its
// inferences cannot run in lanes (CompileOptions::allows_lanes(), or fewer than two threads).
int lane_threads(const CompileOptions& options, const ov::CompiledModel& wide);

// Compiles `model` in two unpinned streams of `lane_threads` threads: a LaneVariants' narrow variant.
ov::CompiledModel compile_narrow(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                                 const ov::AnyMap& properties, int lane_threads);

// Compiles `model` wide with `properties`, and narrow on `lane_threads` threads unless that is 0.
LaneVariants compile_lane_variants(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                                   const ov::AnyMap& properties, int lane_threads);

// One infer request per variant of a LaneVariants; never shared between threads.
class LaneRequests {
public:
    explicit LaneRequests(const LaneVariants& variants)
        : wide_(const_cast<ov::CompiledModel&>(variants.wide).create_infer_request()),
          narrow_(variants.narrow ? const_cast<ov::CompiledModel&>(variants.narrow).create_infer_request() : wide_) {}

    // The request for a ComputeGate::Hold of this width.
    ov::InferRequest& get(bool wide) { return wide ? wide_ : narrow_; }

private:
    ov::InferRequest wide_;
    ov::InferRequest narrow_;
};

}  // namespace ovspeech
