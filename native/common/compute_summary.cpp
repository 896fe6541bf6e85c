#include "common/compute_summary.h"

namespace ovspeech {

ComputeSummary summarize_compute(const ov::CompiledModel& compiled, const std::string& device, int lane_threads) {
    ComputeSummary summary;
    summary.device = device;
    summary.lane_threads = lane_threads;
    // Devices other than the CPU may lack either property.
    try {
        summary.precision = compiled.get_property(ov::hint::inference_precision).get_type_name();
    } catch (const ov::Exception&) {
    }
    try {
        summary.threads = compiled.get_property(ov::inference_num_threads);
    } catch (const ov::Exception&) {
    }
    return summary;
}

}  // namespace ovspeech
