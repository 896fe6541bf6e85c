#include "vad/silero_vad.h"

#include <algorithm>

#include "common/error.h"
#include "common/model_ir.h"

namespace ovspeech::vad {
namespace {

constexpr size_t kContext = 64;
constexpr size_t kRow = kContext + kFrameSamples;
// Frames per inference at most: 16 s of audio, 1.2 MB of input.
constexpr size_t kMaxFramesPerCall = 512;
const ov::Shape kStateShape{1, 1, 128};

bool has_name(const std::vector<ov::Output<ov::Node>>& ports, const std::string& name) {
    return std::any_of(ports.begin(), ports.end(), [&](const ov::Output<ov::Node>& port) { return port.get_names().count(name) > 0; });
}

ov::Tensor zero_state() {
    ov::Tensor state(ov::element::f32, kStateShape);
    std::fill_n(state.data<float>(), state.get_size(), 0.0f);
    return state;
}

}  // namespace

std::shared_ptr<const SileroVadModel> SileroVadModel::load(const std::filesystem::path& dir, int streams) {
    const std::shared_ptr<ov::Model> graph = read_model_file(dir / kOnnxFile);
    for (const char* input : {"input", "h", "c"}) {
        if (!has_name(graph->inputs(), input)) {
            throw Error(ErrorCode::UnsupportedModel, std::string(kOnnxFile) + " in " + dir.string() + " has no input \"" + input +
                                                         "\" as Silero VAD's sequence model has");
        }
    }
    for (const char* output : {"speech_probs", "hn", "cn"}) {
        if (!has_name(graph->outputs(), output)) {
            throw Error(ErrorCode::UnsupportedModel, std::string(kOnnxFile) + " in " + dir.string() + " has no output \"" + output +
                                                         "\" as Silero VAD's sequence model has");
        }
    }
    const ov::AnyMap properties{{ov::hint::inference_precision.name(), ov::element::f32},
                                {ov::num_streams.name(), ov::streams::Num(streams)},
                                {ov::inference_num_threads.name(), streams},
                                {ov::hint::enable_cpu_pinning.name(), false}};
    auto model = std::make_shared<SileroVadModel>();
    model->compiled_ = compile_ir(graph, kOnnxFile, "CPU", properties);
    return model;
}

SileroVadModel::Stream::Stream(const SileroVadModel& model)
    : request_(model.compiled_.create_infer_request()), h_(zero_state()), c_(zero_state()) {
    pending_.reserve(kFrameSamples);
}

void SileroVadModel::Stream::reset() {
    pending_.clear();
    rows_.clear();
    context_.fill(0.0f);
    h_ = zero_state();
    c_ = zero_state();
}

std::vector<float> SileroVadModel::Stream::push(const float* samples, size_t count) {
    std::vector<float> probabilities;
    size_t frames = 0;
    for (size_t i = 0; i < count;) {
        const size_t take = std::min(count - i, kFrameSamples - pending_.size());
        pending_.insert(pending_.end(), samples + i, samples + i + take);
        i += take;
        if (pending_.size() < kFrameSamples) break;
        rows_.insert(rows_.end(), context_.begin(), context_.end());
        rows_.insert(rows_.end(), pending_.begin(), pending_.end());
        std::copy(pending_.end() - kContext, pending_.end(), context_.begin());
        pending_.clear();
        if (++frames == kMaxFramesPerCall) {
            const std::vector<float> block = infer(frames);
            probabilities.insert(probabilities.end(), block.begin(), block.end());
            frames = 0;
        }
    }
    if (frames > 0) {
        const std::vector<float> block = infer(frames);
        probabilities.insert(probabilities.end(), block.begin(), block.end());
    }
    return probabilities;
}

std::vector<float> SileroVadModel::Stream::finish() {
    if (pending_.empty()) return {};
    const std::vector<float> silence(kFrameSamples - pending_.size(), 0.0f);
    return push(silence.data(), silence.size());
}

std::vector<float> SileroVadModel::Stream::infer(size_t frames) {
    request_.set_tensor("input", ov::Tensor(ov::element::f32, ov::Shape{frames, kRow}, rows_.data()));
    request_.set_tensor("h", h_);
    request_.set_tensor("c", c_);
    request_.infer();
    request_.get_tensor("hn").copy_to(h_);
    request_.get_tensor("cn").copy_to(c_);
    const ov::Tensor probs = request_.get_tensor("speech_probs");
    rows_.clear();
    return {probs.data<const float>(), probs.data<const float>() + probs.get_size()};
}

std::vector<float> speech_probabilities(SileroVadModel::Stream& stream, const std::vector<float>& samples,
                                        const CancellationFlag& cancellation) {
    stream.reset();
    std::vector<float> probabilities;
    probabilities.reserve(samples.size() / kFrameSamples + 1);
    const size_t block = kMaxFramesPerCall * kFrameSamples;
    for (size_t at = 0; at < samples.size(); at += block) {
        cancellation.throw_if_cancelled();
        const std::vector<float> some = stream.push(samples.data() + at, std::min(block, samples.size() - at));
        probabilities.insert(probabilities.end(), some.begin(), some.end());
    }
    const std::vector<float> last = stream.finish();
    probabilities.insert(probabilities.end(), last.begin(), last.end());
    return probabilities;
}

ModelFamily model_family() {
    return {"silero-vad", ModelKind::Vad, [](const FolderContents& folder) { return folder.has_file(SileroVadModel::kOnnxFile); }};
}

}  // namespace ovspeech::vad
