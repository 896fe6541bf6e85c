#include "addon/whisper_model_wrap.h"

#include <variant>

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
    events.on_text = [&job](const std::string& delta) { job.channel->emit({whisper::TextDelta{delta}}); };
    events.on_segment = [&job](const whisper::TranscriptionSegment& segment) { job.channel->emit({segment}); };
    return whisper::transcribe(session, mono, job.options, *job.cancellation, events);
}

class LoadWhisperWorker : public PromiseWorker {
public:
    LoadWhisperWorker(Napi::Env env, std::string dir, CompileOptions options, size_t workers, size_t max_queued)
        : PromiseWorker(env, "ovspeech.loadWhisperModel"), dir_(std::move(dir)), options_(std::move(options)), workers_(workers), max_queued_(max_queued) {}

protected:
    void Run() override {
        loaded_.model = whisper::WhisperModel::load(dir_, options_);
        std::vector<std::unique_ptr<whisper::WhisperSession>> sessions;
        for (size_t i = 0; i < workers_; ++i) sessions.push_back(loaded_.model->create_session());
        loaded_.pool = std::make_unique<WorkerPool<whisper::WhisperSession>>(std::move(sessions), max_queued_);
    }

    Napi::Value Result(Napi::Env env) override {
        return addon_state(env).whisper_model_class().New({Napi::External<LoadedWhisperModel>::New(env, &loaded_)});
    }

private:
    std::string dir_;
    CompileOptions options_;
    size_t workers_;
    size_t max_queued_;
    LoadedWhisperModel loaded_;
};

}  // namespace

Napi::Value load_whisper_model(const Napi::CallbackInfo& info) {
    const std::string dir = require_string(info[0], "dir");
    CompileOptions options = compile_options_from_js(info[1]);
    const auto [workers, max_queued] = pool_settings_from_js(info[2]);
    auto* worker = new LoadWhisperWorker(info.Env(), dir, std::move(options), workers, max_queued);
    auto promise = worker->promise();
    worker->Queue();
    return promise;
}

Napi::Function WhisperModelWrap::define(Napi::Env env) {
    return DefineClass(env, "WhisperModel", {InstanceMethod<&WhisperModelWrap::transcribe>("transcribe"), stats_method(), dispose_method()});
}

WhisperModelWrap::WhisperModelWrap(const Napi::CallbackInfo& info) : PooledModelWrap(info) {
    if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "WhisperModel objects come from loadWhisperModel()");
    LoadedWhisperModel& loaded = *info[0].As<Napi::External<LoadedWhisperModel>>().Data();
    model_ = std::move(loaded.model);
    set_pool(std::move(loaded.pool));
}

Napi::Value WhisperModelWrap::transcribe(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        throw addon_state(env).make_error(env, ErrorCode::InvalidArgument, "Expected Float32Array for samples");
    }
    auto job = std::make_shared<TranscriptionJob>();
    const auto samples = info[0].As<Napi::Float32Array>();
    job->samples.assign(samples.Data(), samples.Data() + samples.ElementLength());
    job->sample_rate = require_uint32(info[1], "sampleRate");
    job->channels = require_uint32(info[2], "channels");
    job->options = transcription_options_from_js(info[3]);
    const auto cancellation = job->cancellation;
    job->channel = std::make_unique<TranscriptionChannel>(env, "ovspeech.transcribe", info[4], [this, cancellation] { settled(cancellation); });
    const Napi::Promise promise = job->channel->promise();
    submit(cancellation,
           {[job](whisper::WhisperSession& session) {
                job->channel->complete(job->submitted, [&](double) { return run(*job, session); });
            },
            [job] { job->channel->fail(ErrorCode::Cancelled, "the model was disposed before the request started"); }},
           [job](ErrorCode code, const std::string& message) { job->channel->fail(code, message); });
    return make_task(env, promise, cancellation);
}

}  // namespace ovspeech::addon
