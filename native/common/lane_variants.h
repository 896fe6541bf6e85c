#pragma once

#include <memory>
#include <string>

#include <openvino/core/model.hpp>
#include <openvino/runtime/compiled_model.hpp>

#include "common/compile_options.h"

namespace ovspeech {

// A model compiled for the two widths of a ComputeGate (scheduler/compute_gate.h): on every core, and in
// two streams, one per lane, of `lane_threads` threads each. Without lanes, `narrow` is empty,
// `lane_threads` is 0 and every inference runs on `wide`.
struct LaneVariants {
    ov::CompiledModel wide;
    ov::CompiledModel narrow;
    int lane_threads = 0;
};

// Compiles `model` wide with `properties`, and, when `options` allow lanes (CompileOptions::allows_lanes())
// and the wide compile has two threads or more, narrow on half of its threads. The model that sets a
// gate's lanes; the others of its gate follow its `lane_threads`.
LaneVariants compile_lane_variants(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                                   const ov::AnyMap& properties, const CompileOptions& options);

// Compiles `model` wide with `properties`, and narrow on `lane_threads` threads unless that is 0.
LaneVariants compile_lane_variants(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                                   const ov::AnyMap& properties, int lane_threads);

// Compiles `model` in `streams` unpinned streams of `lane_threads` threads: a LaneVariants' narrow variant
// has one per lane; a model whose every request runs narrow, one per request.
ov::CompiledModel compile_narrow(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                                 const ov::AnyMap& properties, int lane_threads, int streams);

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
