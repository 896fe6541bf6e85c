#include "addon/vad_model_wrap.h"

#include <vector>

#include "addon/load_model_worker.h"
#include "addon/task_channel.h"
#include "common/audio_resampler.h"

namespace ovspeech::addon {
namespace {

// Detection sends no events before its outcome.
struct NoEvent {};

Napi::Value to_js(Napi::Env env, const NoEvent&) {
    return env.Undefined();
}

struct SpeechSpans {
    std::vector<vad::SampleSpan> spans;
    double audio_seconds = 0;
};

Napi::Value to_js(Napi::Env env, const Outcome<SpeechSpans>& outcome) {
    auto timings = Napi::Object::New(env);
    timings.Set("queuedMs", outcome.queued_ms);
    timings.Set("totalMs", outcome.total_ms);
    auto object = Napi::Object::New(env);
    object.Set("spans", ovspeech::addon::to_js(env, outcome.result.spans));
    object.Set("duration", outcome.result.audio_seconds);
    object.Set("timings", timings);
    return object;
}

using VadChannel = TaskChannel<NoEvent, SpeechSpans>;

struct VadJob {
    PcmInput audio;
    vad::SegmenterOptions options;
    std::shared_ptr<CancellationFlag> cancellation = std::make_shared<CancellationFlag>();
    VadChannel::Clock::time_point submitted = VadChannel::Clock::now();
    std::unique_ptr<VadChannel> channel;
};

}  // namespace

Napi::Function VadModelWrap::define(Napi::Env env) {
    return DefineClass(env, "VadModel", {InstanceMethod<&VadModelWrap::detect_speech>("detectSpeech"), stats_method(), dispose_method()});
}

VadModelWrap::VadModelWrap(const Napi::CallbackInfo& info) : PooledModelWrap(info) {
    if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "VadModel objects come from loadVadModel()");
    LoadedVadModel& loaded = *info[0].As<Napi::External<LoadedVadModel>>().Data();
    model_ = std::move(loaded.model);
    set_pool(std::move(loaded.pool));
    info.This().As<Napi::Object>().Set("compute", ovspeech::addon::to_js(info.Env(), model_->compute_summary()));
}

Napi::Value VadModelWrap::detect_speech(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto job = std::make_shared<VadJob>();
    job->audio = require_pcm(info[0], info[1], info[2]);
    job->options = segmenter_options_from_js(info[3]);
    try {
        job->options.check();
    } catch (const Error& e) {
        throw addon_state(env).make_error(env, e);
    }
    const auto cancellation = job->cancellation;
    job->channel =
        std::make_unique<VadChannel>(env, "ovspeech.detectSpeech", env.Undefined(), [this, cancellation] { settled(cancellation); });
    const Napi::Promise promise = job->channel->promise();
    submit(
        cancellation,
        {[job](vad::SileroVadModel::Stream& stream) {
             job->channel->complete(job->submitted, [&](double) {
                 job->cancellation->throw_if_cancelled();
                 const std::vector<float> mono = to_mono(job->audio.samples.data(), job->audio.samples.size(), job->audio.channels,
                                                         job->audio.sample_rate, vad::kSampleRate);
                 const std::vector<float> probabilities = vad::speech_probabilities(stream, mono, *job->cancellation);
                 const auto length = static_cast<int64_t>(mono.size());
                 return SpeechSpans{vad::find_speech(probabilities, length, job->options), static_cast<double>(length) / vad::kSampleRate};
             });
         },
         [job](const Error& error) { job->channel->fail(error); }});
    return make_task(env, promise, cancellation);
}

Napi::Value load_vad_model(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::string dir = require_string(info[0], "dir");
    const auto [workers, max_queued] = pool_settings_from_js(info[1]);
    auto load = [dir, workers = workers, max_queued = max_queued] {
        LoadedVadModel loaded;
        loaded.model = vad::SileroVadModel::load(dir, static_cast<int>(workers));
        loaded.pool = make_pool<vad::SileroVadModel::Stream>(*loaded.model, workers, max_queued);
        return loaded;
    };
    return (new LoadModelWorker<LoadedVadModel>(env, "ovspeech.loadVadModel", load, addon_state(env).vad_model_class()))->queue();
}

}  // namespace ovspeech::addon
