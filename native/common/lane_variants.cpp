#include "common/lane_variants.h"

#include "common/model_ir.h"
#include "scheduler/compute_gate.h"

namespace ovspeech {

int lane_threads(const CompileOptions& options, const ov::CompiledModel& wide) {
    if (!options.allows_lanes()) return 0;
    const int threads = wide.get_property(ov::inference_num_threads);
    const int lanes = static_cast<int>(ComputeGate::kLanes);
    return threads >= lanes ? threads / lanes : 0;
}

ov::CompiledModel compile_narrow(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                                 const ov::AnyMap& properties, int lane_threads) {
    ov::AnyMap narrow = properties;
    // One stream per lane, so that two requests of the model run at once (a stream runs one at a time).
    const int lanes = static_cast<int>(ComputeGate::kLanes);
    narrow[ov::num_streams.name()] = ov::streams::Num(lanes);
    narrow[ov::inference_num_threads.name()] = lanes * lane_threads;
    // Pinned, every one-lane compile takes the same cores: two lanes ran on one core (1.06 cores used).
    narrow[ov::hint::enable_cpu_pinning.name()] = false;
    return compile_ir(model, name + " (one lane)", device, narrow);
}

LaneVariants compile_lane_variants(const std::shared_ptr<ov::Model>& model, const std::string& name, const std::string& device,
                                   const ov::AnyMap& properties, int lane_threads) {
    LaneVariants variants;
    variants.wide = compile_ir(model, name, device, properties);
    if (lane_threads > 0) variants.narrow = compile_narrow(model, name, device, properties, lane_threads);
    return variants;
}

}  // namespace ovspeech
