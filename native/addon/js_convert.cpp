#include "addon/js_convert.h"

#include <cmath>
#include <map>
#include <optional>

#include "addon/addon_state.h"
#include "addon/task_channel.h"
#include "common/audio_resampler.h"
#include "tts/time_stretch.h"

namespace ovspeech::addon {
namespace {

Napi::Array to_js(Napi::Env env, const std::vector<std::string>& strings) {
    auto array = Napi::Array::New(env, strings.size());
    for (uint32_t i = 0; i < strings.size(); ++i) array.Set(i, Napi::String::New(env, strings[i]));
    return array;
}

Napi::Array to_js(Napi::Env env, const std::vector<PortInfo>& ports) {
    auto array = Napi::Array::New(env, ports.size());
    for (uint32_t i = 0; i < ports.size(); ++i) {
        auto port = Napi::Object::New(env);
        port.Set("names", to_js(env, ports[i].names));
        port.Set("elementType", ports[i].element_type);
        port.Set("shape", ports[i].shape);
        array.Set(i, port);
    }
    return array;
}

}  // namespace

Napi::Value to_js(Napi::Env env, const ModelFolderInfo& info) {
    auto irs = Napi::Array::New(env, info.irs.size());
    for (uint32_t i = 0; i < info.irs.size(); ++i) {
        auto ir = Napi::Object::New(env);
        ir.Set("name", info.irs[i].name);
        ir.Set("stateful", info.irs[i].stateful);
        ir.Set("inputs", to_js(env, info.irs[i].inputs));
        ir.Set("outputs", to_js(env, info.irs[i].outputs));
        irs.Set(i, ir);
    }
    auto result = Napi::Object::New(env);
    result.Set("path", info.path);
    result.Set("modelType", info.model_type);
    result.Set("config", info.config_json);
    result.Set("irs", irs);
    return result;
}

Napi::Value to_js(Napi::Env env, const FamilyDetection& detection) {
    auto result = Napi::Object::New(env);
    result.Set("family", detection.kind ? Napi::Value(Napi::String::New(env, detection.family)) : env.Null());
    result.Set("kind", detection.kind ? Napi::Value(Napi::String::New(env, model_kind_name(*detection.kind))) : env.Null());
    result.Set("modelFolder", detection.model_folder);
    result.Set("reason", detection.reason);
    return result;
}

Napi::Value to_js(Napi::Env env, const std::vector<DeviceInfo>& devices) {
    auto array = Napi::Array::New(env, devices.size());
    for (uint32_t i = 0; i < devices.size(); ++i) {
        auto device = Napi::Object::New(env);
        device.Set("name", devices[i].name);
        device.Set("fullName", devices[i].full_name);
        array.Set(i, device);
    }
    return array;
}

}  // namespace ovspeech::addon

namespace ovspeech::addon {
namespace {

template <typename T>
Napi::Array array_of(Napi::Env env, const std::vector<T>& values) {
    auto array = Napi::Array::New(env, values.size());
    for (uint32_t i = 0; i < values.size(); ++i) array.Set(i, Napi::Number::New(env, static_cast<double>(values[i])));
    return array;
}

// What a numeric option may be: NaN, infinities and values beyond the range are refused before any cast.
struct NumberRange {
    bool integer;
    double min;
    double max;
};

// Integers a double holds exactly (Number.MAX_SAFE_INTEGER).
constexpr double kMaxSafeInteger = 9007199254740991.0;

// JS's String(value).
std::string js_string(const Napi::Value& value) {
    return value.Env().Global().Get("String").As<Napi::Function>().Call({value}).As<Napi::String>().Utf8Value();
}

// A received value as src/errors.ts describes it: `"fast" of type string`, `NaN of type number`, `object`.
std::string describe(const Napi::Value& value) {
    if (value.IsNull()) return "null";
    if (value.IsString()) return "\"" + value.As<Napi::String>().Utf8Value() + "\" of type string";
    if (value.IsArray()) return "array";
    if (value.IsObject() && !value.IsFunction()) return "object";
    const char* type = value.IsNumber()      ? "number"
                       : value.IsBoolean()   ? "boolean"
                       : value.IsUndefined() ? "undefined"
                       : value.IsBigInt()    ? "bigint"
                       : value.IsSymbol()    ? "symbol"
                                             : "function";
    return js_string(value) + " of type " + type;
}

// Reads optional members of a JS options object, type-checked.
class OptionsReader {
public:
    OptionsReader(const Napi::Value& value, const char* what) : env_(value.Env()), what_(what) {
        if (!value.IsObject()) fail(std::string("Expected object for ") + what);
        object_ = value.As<Napi::Object>();
    }

    std::optional<std::string> string(const char* key) const {
        const Napi::Value value = object_.Get(key);
        if (value.IsUndefined()) return std::nullopt;
        if (!value.IsString()) fail(expected("string", key));
        return value.As<Napi::String>().Utf8Value();
    }

    // A finite number within the range (an integer if it asks for one), or nothing if absent.
    std::optional<double> number(const char* key, const NumberRange& range) const {
        const Napi::Value value = object_.Get(key);
        if (value.IsUndefined()) return std::nullopt;
        const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
        if (!(value.IsNumber() && number >= range.min && number <= range.max && (!range.integer || std::floor(number) == number))) {
            const std::string expected = std::string(range.integer ? "integer" : "number") + " between " +
                                         js_string(Napi::Number::New(env_, range.min)) + " and " +
                                         js_string(Napi::Number::New(env_, range.max));
            throw addon_state(env_).make_error(env_, ErrorCode::InvalidArgument, expected_message(expected, key, describe(value)), key);
        }
        return number;
    }

    std::optional<bool> boolean(const char* key) const {
        const Napi::Value value = object_.Get(key);
        if (value.IsUndefined()) return std::nullopt;
        if (!value.IsBoolean()) fail(expected("boolean", key));
        return value.As<Napi::Boolean>().Value();
    }

    // A nested object, or nothing if absent.
    std::optional<Napi::Object> object(const char* key) const {
        const Napi::Value value = object_.Get(key);
        if (value.IsUndefined()) return std::nullopt;
        if (!value.IsObject() || value.IsArray()) fail(expected("object", key));
        return value.As<Napi::Object>();
    }

    // An object of string, number or boolean values, as text.
    std::map<std::string, std::string> string_map(const char* key) const {
        std::map<std::string, std::string> map;
        const Napi::Value value = object_.Get(key);
        if (value.IsUndefined()) return map;
        if (!value.IsObject()) fail(expected("object", key));
        const Napi::Object object = value.As<Napi::Object>();
        const Napi::Array names = object.GetPropertyNames();
        for (uint32_t i = 0; i < names.Length(); ++i) {
            const std::string name = names.Get(i).As<Napi::String>().Utf8Value();
            const Napi::Value item = object.Get(name);
            if (!item.IsString() && !item.IsNumber() && !item.IsBoolean())
                fail(expected("string, number or boolean", (std::string(key) + "." + name).c_str()));
            map[name] = item.ToString().Utf8Value();
        }
        return map;
    }

private:
    std::string expected(const char* type, const char* key) const { return std::string("Expected ") + type + " for " + what_ + "." + key; }
    [[noreturn]] void fail(const std::string& message) const {
        throw addon_state(env_).make_error(env_, ErrorCode::InvalidArgument, message);
    }

    Napi::Env env_;
    const char* what_;
    Napi::Object object_;
};

}  // namespace

Napi::Value to_js(Napi::Env env, const whisper::TranscriptionSegment& segment) {
    auto object = Napi::Object::New(env);
    object.Set("id", static_cast<double>(segment.id));
    object.Set("seek", static_cast<double>(segment.seek));
    object.Set("start", segment.start);
    object.Set("end", segment.end);
    object.Set("text", segment.text);
    object.Set("tokens", array_of(env, segment.tokens));
    object.Set("temperature", segment.temperature);
    object.Set("avgLogprob", segment.avg_logprob);
    object.Set("compressionRatio", segment.compression_ratio);
    object.Set("noSpeechProb", segment.no_speech_prob);
    return object;
}

Napi::Value to_js(Napi::Env env, const std::vector<whisper::TokenLogprob>& logprobs) {
    auto array = Napi::Array::New(env, logprobs.size());
    for (uint32_t i = 0; i < logprobs.size(); ++i) {
        const std::string& bytes = logprobs[i].bytes;
        auto entry = Napi::Object::New(env);
        entry.Set("token", Napi::String::New(env, bytes));  // V8 replaces invalid UTF-8 with U+FFFD
        entry.Set("logprob", logprobs[i].logprob);
        entry.Set("bytes", array_of(env, std::vector<unsigned char>(bytes.begin(), bytes.end())));
        array.Set(i, entry);
    }
    return array;
}

Napi::Value to_js(Napi::Env env, const whisper::TranscriptionResult& result, double queued_ms, double total_ms) {
    auto segments = Napi::Array::New(env, result.segments.size());
    for (uint32_t i = 0; i < result.segments.size(); ++i) segments.Set(i, to_js(env, result.segments[i]));
    auto timings = Napi::Object::New(env);
    timings.Set("queuedMs", queued_ms);
    timings.Set("featuresMs", result.timings.features_ms);
    timings.Set("encoderMs", result.timings.encoder_ms);
    timings.Set("decoderMs", result.timings.decoder_ms);
    timings.Set("decodedTokens", static_cast<double>(result.timings.decoded_tokens));
    timings.Set("wordTimestampsMs", result.timings.word_timestamps_ms);
    timings.Set("totalMs", total_ms);
    auto object = Napi::Object::New(env);
    object.Set("text", result.text);
    object.Set("tokens", array_of(env, result.tokens));
    object.Set("tokenLogprobs", array_of(env, result.token_logprobs));
    object.Set("language", result.language);
    object.Set("languageProbability", result.language_probability);
    object.Set("duration", result.duration);
    object.Set("segments", segments);
    auto words = Napi::Array::New(env, result.words.size());
    for (uint32_t i = 0; i < result.words.size(); ++i) {
        const whisper::WordTiming& timing = result.words[i];
        auto word = Napi::Object::New(env);
        word.Set("word", timing.word);
        word.Set("start", timing.start);
        word.Set("end", timing.end);
        word.Set("tokens", array_of(env, timing.tokens));
        word.Set("probability", timing.probability);
        words.Set(i, word);
    }
    object.Set("words", words);
    if (result.logprobs) object.Set("logprobs", to_js(env, *result.logprobs));
    object.Set("timings", timings);
    return object;
}

Napi::Value to_js(Napi::Env env, const Outcome<whisper::TranscriptionResult>& outcome) {
    return to_js(env, outcome.result, outcome.queued_ms, outcome.total_ms);
}

Napi::Value to_js(Napi::Env env, const ComputeSummary& summary) {
    auto object = Napi::Object::New(env);
    object.Set("device", summary.device);
    object.Set("precision", summary.precision);
    object.Set("threads", summary.threads);
    object.Set("laneThreads", summary.lane_threads);
    object.Freeze();
    return object;
}

Napi::Value to_js(Napi::Env env, const PoolStats& stats) {
    auto object = Napi::Object::New(env);
    object.Set("workers", static_cast<double>(stats.workers));
    object.Set("queued", static_cast<double>(stats.queued));
    object.Set("running", static_cast<double>(stats.running));
    object.Set("completed", static_cast<double>(stats.completed));
    object.Set("maxQueued", static_cast<double>(stats.max_queued));
    return object;
}

whisper::TranscriptionOptions transcription_options_from_js(const Napi::Value& value, size_t max_length) {
    const OptionsReader reader(value, "options");
    whisper::TranscriptionOptions options;
    options.language = reader.string("language");
    options.task = reader.string("task").value_or(options.task);
    options.timestamps = reader.boolean("timestamps").value_or(false);
    options.word_timestamps = reader.boolean("wordTimestamps").value_or(false);
    options.initial_prompt = reader.string("initialPrompt");
    if (const auto max_new_tokens = reader.number("maxNewTokens", {true, 1, static_cast<double>(max_length)})) {
        options.max_new_tokens = static_cast<size_t>(*max_new_tokens);
    }
    options.temperature = static_cast<float>(reader.number("temperature", {false, 0, 1}).value_or(0));
    options.temperature_fallback = reader.boolean("temperatureFallback").value_or(false);
    options.seed = static_cast<uint64_t>(reader.number("seed", {true, 0, kMaxSafeInteger}).value_or(0));
    options.logprobs = reader.boolean("logprobs").value_or(false);
    return options;
}

std::pair<uint32_t, uint32_t> pool_settings_from_js(const Napi::Value& value) {
    Napi::Env env = value.Env();
    if (!value.IsObject()) throw addon_state(env).make_error(env, ErrorCode::InvalidArgument, "Expected object for pool");
    const auto pool = value.As<Napi::Object>();
    const uint32_t workers = require_uint32(pool.Get("workers"), "pool.workers");
    if (workers < 1 || workers > 64) {
        throw addon_state(env).make_error(env, ErrorCode::InvalidArgument, "Expected between 1 and 64 for pool.workers");
    }
    return {workers, require_uint32(pool.Get("maxQueued"), "pool.maxQueued")};
}

namespace {

// The family's options by name, each checked against the family's specs (tts::check_options) before the
// request is queued, so that a bad one throws here rather than failing the job.
tts::OptionValues family_options_from_js(const std::optional<Napi::Object>& object, const tts::TtsModel& model) {
    tts::OptionValues values;
    if (!object) return values;
    Napi::Env env = object->Env();
    try {
        const Napi::Array names = object->GetPropertyNames();
        for (uint32_t i = 0; i < names.Length(); ++i) {
            const std::string name = names.Get(i).As<Napi::String>().Utf8Value();
            const tts::OptionSpec& spec = tts::find_option(model.family(), model.option_specs(), name);
            const Napi::Value value = object->Get(name);
            if (!value.IsNumber()) {
                throw Error(ErrorCode::InvalidArgument, expected_message(tts::expected_value(spec), name, describe(value)), name);
            }
            values[name] = value.As<Napi::Number>().DoubleValue();
        }
        tts::check_options(model.family(), model.option_specs(), values);
    } catch (const Error& e) {
        throw addon_state(env).make_error(env, e.code(), e.what(), e.param());
    }
    return values;
}

}  // namespace

tts::SpeechRequest speech_request_from_js(const Napi::Value& text, const Napi::Value& value, const tts::TtsModel& model) {
    if (!text.IsString()) throw addon_state(text.Env()).make_error(text.Env(), ErrorCode::InvalidArgument, "Expected string for input");
    const OptionsReader reader(value, "options");
    tts::SpeechRequest request;
    request.text = text.As<Napi::String>().Utf8Value();
    request.voice = reader.string("voice").value_or(request.voice);
    request.speed = reader.number("speed", {false, tts::kMinSpeed, tts::kMaxSpeed}).value_or(request.speed);
    request.normalize = reader.boolean("normalize").value_or(request.normalize);
    request.split = reader.boolean("splitSentences").value_or(request.split);
    request.pause_seconds = reader.number("sentencePause", {false, 0, 5}).value_or(request.pause_seconds);
    if (const auto rate = reader.number("sampleRate", {true, kMinSampleRate, kMaxSampleRate}))
        request.sample_rate = static_cast<uint32_t>(*rate);
    request.options = family_options_from_js(reader.object("familyOptions"), model);
    return request;
}

vad::SegmenterOptions segmenter_options_from_js(const Napi::Value& value) {
    const OptionsReader reader(value, "vad");
    vad::SegmenterOptions options;
    const NumberRange probability{false, 0, 1};
    const NumberRange milliseconds{true, 0, 3600000};
    options.threshold = static_cast<float>(reader.number("threshold", probability).value_or(options.threshold));
    if (const auto neg = reader.number("negThreshold", probability)) options.neg_threshold = static_cast<float>(*neg);
    options.min_speech_ms = static_cast<int64_t>(reader.number("minSpeechMs", milliseconds).value_or(options.min_speech_ms));
    options.min_silence_ms = static_cast<int64_t>(reader.number("minSilenceMs", milliseconds).value_or(options.min_silence_ms));
    options.speech_pad_ms = static_cast<int64_t>(reader.number("speechPadMs", milliseconds).value_or(options.speech_pad_ms));
    options.max_speech_ms = static_cast<int64_t>(reader.number("maxSpeechMs", milliseconds).value_or(options.max_speech_ms));
    return options;
}

Napi::Value to_js(Napi::Env env, const std::vector<vad::SampleSpan>& spans) {
    auto array = Napi::Array::New(env, spans.size());
    for (uint32_t i = 0; i < spans.size(); ++i) {
        auto span = Napi::Object::New(env);
        span.Set("start", static_cast<double>(spans[i].start) / vad::kSampleRate);
        span.Set("end", static_cast<double>(spans[i].end) / vad::kSampleRate);
        array.Set(i, span);
    }
    return array;
}

CompileOptions compile_options_from_js(const Napi::Value& value) {
    const OptionsReader reader(value, "compile");
    CompileOptions options;
    options.device = reader.string("device").value_or(options.device);
    options.performance_hint = reader.string("performanceHint");
    if (const auto streams = reader.number("numStreams", {true, 1, 2147483647})) options.num_streams = static_cast<int>(*streams);
    options.inference_precision = reader.string("inferencePrecision");
    options.cache_dir = reader.string("cacheDir");
    options.plugin_config = reader.string_map("pluginConfig");
    return options;
}

}  // namespace ovspeech::addon

namespace ovspeech::addon {

Napi::Object make_task(Napi::Env env, const Napi::Promise& promise, const std::shared_ptr<CancellationFlag>& cancellation) {
    auto task = Napi::Object::New(env);
    task.Set("promise", promise);
    task.Set("cancel", Napi::Function::New(
                           env,
                           [cancellation](const Napi::CallbackInfo& call) {
                               cancellation->cancel();
                               return call.Env().Undefined();
                           },
                           "cancel"));
    return task;
}

}  // namespace ovspeech::addon
