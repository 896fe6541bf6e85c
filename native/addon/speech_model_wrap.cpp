#include "addon/speech_model_wrap.h"

#include <cstring>

#include "addon/task_channel.h"
#include "tts/synthesizer.h"

namespace ovspeech::addon {

// One finished sentence of audio.
struct AudioChunk {
    std::vector<float> samples;
};

Napi::Value to_js(Napi::Env env, const AudioChunk& chunk) {
    auto samples = Napi::Float32Array::New(env, chunk.samples.size());
    std::memcpy(samples.Data(), chunk.samples.data(), chunk.samples.size() * sizeof(float));
    return samples;
}

Napi::Value to_js(Napi::Env env, const Outcome<tts::SpeechSummary>& outcome) {
    const tts::SpeechSummary& summary = outcome.result;
    auto timings = Napi::Object::New(env);
    timings.Set("queuedMs", outcome.queued_ms);
    timings.Set("normalizeMs", summary.normalize_ms);
    timings.Set("tokenizerMs", summary.units.tokenizer_ms);
    timings.Set("encoderMs", summary.units.encoder_ms);
    timings.Set("decoderMs", summary.units.decoder_ms);
    timings.Set("postnetMs", summary.units.postnet_ms);
    timings.Set("vocoderMs", summary.units.vocoder_ms);
    timings.Set("stretchMs", summary.stretch_ms);
    timings.Set("decoderSteps", static_cast<double>(summary.units.decoder_steps));
    timings.Set("totalMs", outcome.total_ms);
    auto object = Napi::Object::New(env);
    object.Set("units", static_cast<double>(summary.unit_count));
    object.Set("samples", static_cast<double>(summary.samples));
    object.Set("sampleRate", summary.sample_rate);
    object.Set("timings", timings);
    return object;
}

namespace {

using SpeechChannel = TaskChannel<AudioChunk, tts::SpeechSummary>;

// The baton: the request as copied on the JS thread.
struct SpeechJob {
    tts::SpeechRequest request;
    std::shared_ptr<const tts::TtsModel> model;
    std::shared_ptr<const tts::VoiceLibrary> voices;
    std::shared_ptr<CancellationFlag> cancellation = std::make_shared<CancellationFlag>();
    SpeechChannel::Clock::time_point submitted = SpeechChannel::Clock::now();
    std::unique_ptr<SpeechChannel> channel;
};

class LoadSpeechWorker : public PromiseWorker {
public:
    LoadSpeechWorker(Napi::Env env, std::string dir, CompileOptions options, size_t workers, size_t max_queued,
                     std::optional<std::string> extra_voices, std::map<std::string, std::string> aliases)
        : PromiseWorker(env, "ovspeech.loadSpeechModel"),
          dir_(std::move(dir)),
          options_(std::move(options)),
          workers_(workers),
          max_queued_(max_queued),
          extra_voices_(std::move(extra_voices)),
          aliases_(std::move(aliases)) {}

protected:
    void Run() override {
        loaded_.model = tts::TtsModel::load(dir_, options_);
        std::optional<std::filesystem::path> extra;
        if (extra_voices_) extra = *extra_voices_;
        loaded_.voices = std::make_shared<const tts::VoiceLibrary>(tts::VoiceLibrary::load(dir_, extra, loaded_.model->voice_size(), aliases_));
        std::vector<std::unique_ptr<tts::TtsSession>> sessions;
        for (size_t i = 0; i < workers_; ++i) sessions.push_back(loaded_.model->create_session());
        loaded_.pool = std::make_unique<WorkerPool<tts::TtsSession>>(std::move(sessions), max_queued_);
    }

    Napi::Value Result(Napi::Env env) override {
        return addon_state(env).speech_model_class().New({Napi::External<LoadedSpeechModel>::New(env, &loaded_)});
    }

private:
    std::string dir_;
    CompileOptions options_;
    size_t workers_;
    size_t max_queued_;
    std::optional<std::string> extra_voices_;
    std::map<std::string, std::string> aliases_;
    LoadedSpeechModel loaded_;
};

}  // namespace

Napi::Function SpeechModelWrap::define(Napi::Env env) {
    return DefineClass(env, "SpeechModel",
                       {InstanceMethod<&SpeechModelWrap::synthesize>("synthesize"), InstanceMethod<&SpeechModelWrap::voices>("voices"),
                        stats_method(), dispose_method()});
}

SpeechModelWrap::SpeechModelWrap(const Napi::CallbackInfo& info) : PooledModelWrap(info) {
    if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "SpeechModel objects come from loadSpeechModel()");
    LoadedSpeechModel& loaded = *info[0].As<Napi::External<LoadedSpeechModel>>().Data();
    model_ = std::move(loaded.model);
    voices_ = std::move(loaded.voices);
    set_pool(std::move(loaded.pool));
    info.This().As<Napi::Object>().Set("sampleRate", model_->sample_rate());
    info.This().As<Napi::Object>().Set("family", model_->family());
}

Napi::Value SpeechModelWrap::voices(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::vector<std::string> names = voices_->names();
    auto list = Napi::Array::New(env, names.size());
    for (uint32_t i = 0; i < names.size(); ++i) list.Set(i, names[i]);
    auto result = Napi::Object::New(env);
    result.Set("names", list);
    result.Set("default", voices_->default_voice());
    return result;
}

Napi::Value SpeechModelWrap::synthesize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto job = std::make_shared<SpeechJob>();
    job->request = speech_request_from_js(info[0], info[1]);
    job->model = model_;
    job->voices = voices_;
    const auto cancellation = job->cancellation;
    job->channel = std::make_unique<SpeechChannel>(env, "ovspeech.synthesize", info[2], [this, cancellation] { settled(cancellation); });
    const Napi::Promise promise = job->channel->promise();
    submit(cancellation,
           {[job](tts::TtsSession& session) {
                job->channel->complete(job->submitted, [&](double) {
                    job->cancellation->throw_if_cancelled();
                    return tts::synthesize_speech(session, *job->model, *job->voices, job->request, *job->cancellation,
                                                  [&](std::vector<float>&& chunk) { job->channel->emit({std::move(chunk)}); });
                });
            },
            [job] { job->channel->fail(ErrorCode::Cancelled, "the model was disposed before the request started"); }},
           [job](ErrorCode code, const std::string& message) { job->channel->fail(code, message); });
    return make_task(env, promise, cancellation);
}

Napi::Value load_speech_model(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    AddonState& state = addon_state(env);
    const std::string dir = require_string(info[0], "dir");
    CompileOptions options = compile_options_from_js(info[1]);
    const auto [workers, max_queued] = pool_settings_from_js(info[2]);
    if (!info[3].IsObject()) throw state.make_error(env, ErrorCode::InvalidArgument, "Expected object for voices");
    const auto voices = info[3].As<Napi::Object>();
    std::optional<std::string> extra_dir;
    if (!voices.Get("extraDir").IsUndefined()) extra_dir = require_string(voices.Get("extraDir"), "voices.extraDir");
    std::map<std::string, std::string> aliases;
    const Napi::Value alias_value = voices.Get("aliases");
    if (!alias_value.IsUndefined()) {
        if (!alias_value.IsObject()) throw state.make_error(env, ErrorCode::InvalidArgument, "Expected object for voices.aliases");
        const auto alias_object = alias_value.As<Napi::Object>();
        const Napi::Array names = alias_object.GetPropertyNames();
        for (uint32_t i = 0; i < names.Length(); ++i) {
            const std::string name = names.Get(i).As<Napi::String>().Utf8Value();
            aliases[name] = require_string(alias_object.Get(name), "voices.aliases value");
        }
    }
    auto* worker = new LoadSpeechWorker(env, dir, std::move(options), workers, max_queued, std::move(extra_dir), std::move(aliases));
    auto promise = worker->promise();
    worker->Queue();
    return promise;
}

}  // namespace ovspeech::addon
