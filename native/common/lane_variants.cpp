#include "common/lane_variants.h"

#include "common/model_ir.h"
#include "scheduler/compute_gate.h"

namespace ovspeech {

namespace {

constexpr int kLanes = static_cast<int>(ComputeGate::kLanes);

// Adds the narrow variant on `lane_threads` threads to `variants`, unless that is 0.
LaneVariants with_narrow(LaneVariants variants, const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                         const ov::AnyMap& properties, int lane_threads) {
    variants.lane_threads = lane_threads;
    if (lane_threads > 0) variants.narrow = compile_narrow(model, name, device, properties, lane_threads, kLanes);
    return variants;
}

}  // namespace

ov::CompiledModel compile_narrow(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                                 const ov::AnyMap& properties, int lane_threads, int streams) {
    ov::AnyMap narrow = properties;
    // A stream runs one request at a time: two requests of the model run at once in two streams.
    narrow[ov::num_streams.name()] = ov::streams::Num(streams);
    narrow[ov::inference_num_threads.name()] = streams * lane_threads;
    // Pinned, every one-lane compile takes the same cores: two lanes ran on one core (1.06 cores used).
    narrow[ov::hint::enable_cpu_pinning.name()] = false;
    return compile_ir(model, name + " (one lane)", device, narrow);
}

LaneVariants compile_lane_variants(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                                   const ov::AnyMap& properties, int lane_threads) {
    LaneVariants variants;
    variants.wide = compile_ir(model, name, device, properties);
    return with_narrow(std::move(variants), model, name, device, properties, lane_threads);
}

LaneVariants compile_lane_variants(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                                   const ov::AnyMap& properties, const CompileOptions& options) {
    LaneVariants variants;
    variants.wide = compile_ir(model, name, device, properties);
    const int threads = options.allows_lanes() ? static_cast<int>(variants.wide.get_property(ov::inference_num_threads)) : 0;
    return with_narrow(std::move(variants), model, name, device, properties, threads >= kLanes ? threads / kLanes : 0);
}

}  // namespace ovspeech
