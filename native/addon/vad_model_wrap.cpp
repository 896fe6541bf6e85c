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

using LiveChannel = TaskChannel<NoEvent, vad::LiveVadUpdate>;

// A live stream, owned by its JS handle.
using LiveHandle = Napi::External<std::shared_ptr<vad::LiveVad>>;

struct VadJob {
    PcmInput audio;
    vad::SegmenterOptions options;
    std::shared_ptr<CancellationFlag> cancellation = std::make_shared<CancellationFlag>();
    VadChannel::Clock::time_point submitted = VadChannel::Clock::now();
    std::unique_ptr<VadChannel> channel;
};

}  // namespace

// Outside the anonymous namespace, where TaskChannel finds it by the argument's namespaces.
Napi::Value to_js(Napi::Env env, const Outcome<vad::LiveVadUpdate>& outcome) {
    const vad::LiveVadUpdate& update = outcome.result;
    auto events = Napi::Array::New(env, update.events.size());
    for (uint32_t i = 0; i < update.events.size(); ++i) {
        auto event = Napi::Object::New(env);
        event.Set("type", update.events[i].started ? "started" : "stopped");
        event.Set("at", static_cast<double>(update.events[i].at));
        event.Set("start", static_cast<double>(update.events[i].start));
        events.Set(i, event);
    }
    auto object = Napi::Object::New(env);
    object.Set("events", events);
    object.Set("frames", static_cast<double>(update.frames));
    object.Set("speechFrames", static_cast<double>(update.speech_frames));
    if (update.pause) {
        auto pause = Napi::Object::New(env);
        pause.Set("start", static_cast<double>(update.pause->start));
        pause.Set("at", static_cast<double>(update.pause->at));
        pause.Set("silence", static_cast<double>(update.pause->silence));
        object.Set("pause", pause);
    } else {
        object.Set("pause", env.Null());
    }
    return object;
}

Napi::Function VadModelWrap::define(Napi::Env env) {
    return DefineClass(
        env, "VadModel",
        {InstanceMethod<&VadModelWrap::detect_speech>("detectSpeech"), InstanceMethod<&VadModelWrap::create_live>("createLive"),
         InstanceMethod<&VadModelWrap::push_live>("pushLive"), stats_method(), dispose_method()});
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

Napi::Value VadModelWrap::create_live(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const uint32_t sample_rate = require_uint32(info[0], "sampleRate");
    const vad::SegmenterOptions options = segmenter_options_from_js(info[1]);
    try {
        options.check();
        auto live = std::make_shared<vad::LiveVad>(*model_, sample_rate, options);
        return LiveHandle::New(env, new std::shared_ptr<vad::LiveVad>(std::move(live)),
                               [](Napi::Env, std::shared_ptr<vad::LiveVad>* owned) { delete owned; });
    } catch (const Error& e) {
        throw addon_state(env).make_error(env, e);
    }
}

Napi::Value VadModelWrap::push_live(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsExternal())
        throw addon_state(env).make_error(env, ErrorCode::InvalidArgument, "Expected a live stream from createLive()");
    // Shared with the job: the stream lives until its last push is done, even if JS drops it first.
    std::shared_ptr<vad::LiveVad> live = *info[0].As<LiveHandle>().Data();
    auto samples = std::make_shared<std::vector<float>>(require_samples(info[1]));
    const auto cancellation = std::make_shared<CancellationFlag>();
    auto channel =
        std::make_shared<LiveChannel>(env, "ovspeech.pushLive", env.Undefined(), [this, cancellation] { settled(cancellation); });
    const Napi::Promise promise = channel->promise();
    const auto submitted = LiveChannel::Clock::now();
    submit(cancellation, {[live, samples, channel, cancellation, submitted](vad::SileroVadModel::Stream&) {
                              channel->complete(submitted, [&](double) {
                                  cancellation->throw_if_cancelled();
                                  return live->push(samples->data(), samples->size());
                              });
                          },
                          [channel](const Error& error) { channel->fail(error); }});
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
