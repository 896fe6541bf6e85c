#include "addon/whisper_model_wrap.h"

#include <variant>

#include "addon/load_model_worker.h"
#include "addon/task_channel.h"
#include "common/audio_resampler.h"
#include "whisper/transcriber.h"

namespace ovspeech::addon {

// What a transcription streams: text as decoded, or a finished segment.
struct TranscriptionEvent {
    std::variant<whisper::TextDelta, whisper::TranscriptionSegment> value;
};

Napi::Value to_js(Napi::Env env, const TranscriptionEvent& event) {
    auto object = Napi::Object::New(env);
    if (const auto* text = std::get_if<whisper::TextDelta>(&event.value)) {
        object.Set("type", "text");
        object.Set("delta", text->text);
        if (text->logprobs) object.Set("logprobs", to_js(env, *text->logprobs));
    } else {
        object.Set("type", "segment");
        object.Set("segment", to_js(env, std::get<whisper::TranscriptionSegment>(event.value)));
    }
    return object;
}

namespace {

using TranscriptionChannel = TaskChannel<TranscriptionEvent, whisper::TranscriptionResult>;

// The baton: the request as copied on the JS thread; the worker touches nothing else.
struct TranscriptionJob {
    std::vector<float> samples;
    uint32_t sample_rate = 0;
    uint32_t channels = 0;
    whisper::TranscriptionOptions options;
    // Whether the caller listens to text as it is decoded: without, no text is detokenized or posted per token.
    bool text_events = false;
    std::shared_ptr<CancellationFlag> cancellation = std::make_shared<CancellationFlag>();
    TranscriptionChannel::Clock::time_point submitted = TranscriptionChannel::Clock::now();
    std::unique_ptr<TranscriptionChannel> channel;
};

whisper::TranscriptionResult run(TranscriptionJob& job, whisper::WhisperSession& session) {
    job.cancellation->throw_if_cancelled();
    const auto rate = static_cast<uint32_t>(session.model().feature_extractor().config().sampling_rate);
    const std::vector<float> mono = to_mono(job.samples.data(), job.samples.size(), job.channels, job.sample_rate, rate);
    std::vector<float>().swap(job.samples);
    whisper::TranscriptionEvents events;
    if (job.text_events) events.on_text = [&job](const whisper::TextDelta& delta) { job.channel->emit({delta}); };
    events.on_segment = [&job](const whisper::TranscriptionSegment& segment) { job.channel->emit({segment}); };
    return whisper::transcribe(session, mono, job.options, *job.cancellation, events);
}

}  // namespace

Napi::Value load_whisper_model(const Napi::CallbackInfo& info) {
    const std::string dir = require_string(info[0], "dir");
    CompileOptions options = compile_options_from_js(info[1]);
    const auto [workers, max_queued] = pool_settings_from_js(info[2]);
    auto load = [dir, options = std::move(options), workers = workers, max_queued = max_queued] {
        LoadedWhisperModel loaded;
        loaded.model = whisper::WhisperModel::load(dir, options);
        loaded.pool = make_pool<whisper::WhisperSession>(*loaded.model, workers, max_queued);
        return loaded;
    };
    const auto& model_class = addon_state(info.Env()).whisper_model_class();
    return (new LoadModelWorker<LoadedWhisperModel>(info.Env(), "ovspeech.loadWhisperModel", load, model_class))->queue();
}

Napi::Function WhisperModelWrap::define(Napi::Env env) {
    return DefineClass(env, "WhisperModel",
                       {InstanceMethod<&WhisperModelWrap::transcribe>("transcribe"), stats_method(), dispose_method()});
}

WhisperModelWrap::WhisperModelWrap(const Napi::CallbackInfo& info) : PooledModelWrap(info) {
    if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "WhisperModel objects come from loadWhisperModel()");
    LoadedWhisperModel& loaded = *info[0].As<Napi::External<LoadedWhisperModel>>().Data();
    model_ = std::move(loaded.model);
    set_pool(std::move(loaded.pool));
    // The shortest audio transcribe() takes, so that uploads are refused by the model's own rule before decoding work.
    const whisper::WhisperFeatureExtractor& features = model_->feature_extractor();
    auto minimum = Napi::Object::New(info.Env());
    minimum.Set("samples", static_cast<double>(features.minimum_samples()));
    minimum.Set("sampleRate", static_cast<double>(features.config().sampling_rate));
    minimum.Freeze();
    info.This().As<Napi::Object>().Set("minimumAudio", minimum);
    info.This().As<Napi::Object>().Set("compute", to_js(info.Env(), model_->compute_summary()));
}

Napi::Value WhisperModelWrap::transcribe(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto job = std::make_shared<TranscriptionJob>();
    PcmInput audio = require_pcm(info[0], info[1], info[2]);
    job->samples = std::move(audio.samples);
    job->sample_rate = audio.sample_rate;
    job->channels = audio.channels;
    job->options = transcription_options_from_js(info[3], model_->config().max_length);
    job->text_events = info[4].IsFunction() && info[5].IsBoolean() && info[5].As<Napi::Boolean>().Value();
    const auto cancellation = job->cancellation;
    job->channel =
        std::make_unique<TranscriptionChannel>(env, "ovspeech.transcribe", info[4], [this, cancellation] { settled(cancellation); });
    const Napi::Promise promise = job->channel->promise();
    submit(cancellation,
           {[job](whisper::WhisperSession& session) { job->channel->complete(job->submitted, [&](double) { return run(*job, session); }); },
            [job](const Error& error) { job->channel->fail(error); }});
    return make_task(env, promise, cancellation);
}

}  // namespace ovspeech::addon
