#include "addon/speech_model_wrap.h"

#include <cstring>

#include "addon/load_model_worker.h"
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

// [{name, default, min, max, integer}], so that JS layers need not hard-code a family's options.
Napi::Array option_specs_to_js(Napi::Env env, const std::vector<tts::OptionSpec>& specs) {
    auto array = Napi::Array::New(env, specs.size());
    for (uint32_t i = 0; i < specs.size(); ++i) {
        auto spec = Napi::Object::New(env);
        spec.Set("name", specs[i].name);
        spec.Set("default", specs[i].default_value);
        spec.Set("min", specs[i].min);
        spec.Set("max", specs[i].max);
        spec.Set("integer", specs[i].integer);
        array.Set(i, spec);
    }
    return array;
}

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

}  // namespace

Napi::Function SpeechModelWrap::define(Napi::Env env) {
    return DefineClass(env, "SpeechModel",
                       {InstanceMethod<&SpeechModelWrap::synthesize>("synthesize"), InstanceMethod<&SpeechModelWrap::voices>("voices"),
                        InstanceMethod<&SpeechModelWrap::has_voice>("hasVoice"),
                        InstanceMethod<&SpeechModelWrap::check_voice>("checkVoice"), stats_method(), dispose_method()});
}

SpeechModelWrap::SpeechModelWrap(const Napi::CallbackInfo& info) : PooledModelWrap(info) {
    if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "SpeechModel objects come from loadSpeechModel()");
    LoadedSpeechModel& loaded = *info[0].As<Napi::External<LoadedSpeechModel>>().Data();
    model_ = std::move(loaded.model);
    voices_ = std::move(loaded.voices);
    set_pool(std::move(loaded.pool));
    info.This().As<Napi::Object>().Set("sampleRate", model_->sample_rate());
    info.This().As<Napi::Object>().Set("family", model_->family());
    info.This().As<Napi::Object>().Set("familyOptions", option_specs_to_js(info.Env(), model_->option_specs()));
    info.This().As<Napi::Object>().Set("compute", to_js(info.Env(), model_->compute_summary()));
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

Napi::Value SpeechModelWrap::has_voice(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), voices_->contains(require_string(info[0], "voice")));
}

// The check synthesize() makes of a voice, made before any work starts (a lookup in memory).
Napi::Value SpeechModelWrap::check_voice(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::string name = require_string(info[0], "voice");
    const std::string param = require_string(info[1], "param");
    try {
        voices_->resolve(name);
    } catch (const Error& e) {
        throw addon_state(env).make_error(env, e.code(), e.what(), param);
    }
    return env.Undefined();
}

Napi::Value SpeechModelWrap::synthesize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto job = std::make_shared<SpeechJob>();
    job->request = speech_request_from_js(info[0], info[1], *model_);
    job->model = model_;
    job->voices = voices_;
    const auto cancellation = job->cancellation;
    job->channel = std::make_unique<SpeechChannel>(env, "ovspeech.synthesize", info[2], [this, cancellation] { settled(cancellation); });
    const Napi::Promise promise = job->channel->promise();
    submit(cancellation, {[job](tts::TtsSession& session) {
                              job->channel->complete(job->submitted, [&](double) {
                                  job->cancellation->throw_if_cancelled();
                                  return tts::synthesize_speech(
                                      session, *job->model, *job->voices, job->request, *job->cancellation,
                                      [&](std::vector<float>&& chunk) { job->channel->emit({std::move(chunk)}); });
                              });
                          },
                          [job](const Error& error) { job->channel->fail(error); }});
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
    auto load = [dir, options = std::move(options), workers = workers, max_queued = max_queued, extra_dir = std::move(extra_dir),
                 aliases = std::move(aliases)] {
        LoadedSpeechModel loaded;
        loaded.model = tts::TtsModel::load(dir, options);
        std::optional<std::filesystem::path> extra;
        if (extra_dir) extra = *extra_dir;
        loaded.voices = std::make_shared<const tts::VoiceLibrary>(tts::VoiceLibrary::load(*loaded.model, extra, aliases));
        loaded.pool = make_pool<tts::TtsSession>(*loaded.model, workers, max_queued);
        return loaded;
    };
    return (new LoadModelWorker<LoadedSpeechModel>(env, "ovspeech.loadSpeechModel", load, state.speech_model_class()))->queue();
}

}  // namespace ovspeech::addon
