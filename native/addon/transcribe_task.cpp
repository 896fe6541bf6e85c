#include "addon/transcribe_task.h"

#include <chrono>
#include <optional>

#include "addon/addon_state.h"
#include "addon/js_convert.h"
#include "addon/whisper_model_wrap.h"
#include "common/audio_resampler.h"
#include "whisper/transcriber.h"

namespace ovspeech::addon {
namespace {

using Clock = std::chrono::steady_clock;

struct TaskMessage {
    enum class Kind { Text, Segment, Done } kind = Kind::Done;
    std::string text;
    whisper::TranscriptionSegment segment;
    std::optional<whisper::TranscriptionResult> result;
    ErrorCode error_code = ErrorCode::Internal;
    std::string error_message;
    double queued_ms = 0;
    double total_ms = 0;
};

// Lives on the JS thread from start_transcription until the channel is finalized.
struct TaskContext {
    Napi::Promise::Deferred deferred;
    Napi::FunctionReference on_event;
    WhisperModelWrap* owner;
    std::shared_ptr<CancellationFlag> cancellation;
};

void deliver(Napi::Env env, Napi::Function, TaskContext* context, TaskMessage* message);
using TaskChannel = Napi::TypedThreadSafeFunction<TaskContext, TaskMessage, deliver>;

void emit_event(TaskContext& context, Napi::Object event) {
    if (context.on_event.IsEmpty()) return;
    try {
        context.on_event.Call({event});
    } catch (const Napi::Error&) {
        // The engine's own handlers do not throw; a listener's exception must not take the task down.
    }
}

void deliver(Napi::Env env, Napi::Function, TaskContext* context, TaskMessage* message) {
    std::unique_ptr<TaskMessage> owned(message);
    if (env == nullptr) return;  // the environment is going away
    Napi::HandleScope scope(env);
    switch (message->kind) {
        case TaskMessage::Kind::Text: {
            auto event = Napi::Object::New(env);
            event.Set("type", "text");
            event.Set("delta", message->text);
            emit_event(*context, event);
            return;
        }
        case TaskMessage::Kind::Segment: {
            auto event = Napi::Object::New(env);
            event.Set("type", "segment");
            event.Set("segment", to_js(env, message->segment));
            emit_event(*context, event);
            return;
        }
        case TaskMessage::Kind::Done:
            if (message->result) {
                context->deferred.Resolve(to_js(env, *message->result, message->queued_ms, message->total_ms));
            } else {
                context->deferred.Reject(addon_state(env).make_error(env, message->error_code, message->error_message).Value());
            }
            context->owner->task_finished(context->cancellation);
            context->owner->Unref();
            return;
    }
}

// The baton: everything the worker needs, copied on the JS thread; the worker touches nothing else.
struct TranscriptionJob {
    std::vector<float> samples;
    uint32_t sample_rate = 0;
    uint32_t channels = 0;
    whisper::TranscriptionOptions options;
    std::shared_ptr<CancellationFlag> cancellation;
    TaskChannel channel;
    Clock::time_point submitted = Clock::now();
};

double milliseconds(Clock::duration duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
}

void run(TranscriptionJob& job, whisper::WhisperSession& session) {
    const auto started = Clock::now();
    auto done = std::make_unique<TaskMessage>();
    done->queued_ms = milliseconds(started - job.submitted);
    try {
        job.cancellation->throw_if_cancelled();
        const std::vector<float> mono = to_mono(job.samples.data(), job.samples.size(), job.channels, job.sample_rate,
                                                static_cast<uint32_t>(session.model().feature_extractor().config().sampling_rate));
        std::vector<float>().swap(job.samples);
        whisper::TranscriptionEvents events;
        events.on_text = [&job](const std::string& delta) {
            auto message = new TaskMessage;
            message->kind = TaskMessage::Kind::Text;
            message->text = delta;
            if (job.channel.NonBlockingCall(message) != napi_ok) delete message;
        };
        events.on_segment = [&job](const whisper::TranscriptionSegment& segment) {
            auto message = new TaskMessage;
            message->kind = TaskMessage::Kind::Segment;
            message->segment = segment;
            if (job.channel.NonBlockingCall(message) != napi_ok) delete message;
        };
        done->result = whisper::transcribe(session, mono, job.options, *job.cancellation, events);
    } catch (const Error& e) {
        done->error_code = e.code();
        done->error_message = e.what();
    } catch (const std::exception& e) {
        done->error_message = e.what();
    }
    done->total_ms = milliseconds(Clock::now() - job.submitted);
    if (job.channel.BlockingCall(done.get()) == napi_ok) done.release();
    job.channel.Release();
}

void abandon(TranscriptionJob& job) {
    auto done = std::make_unique<TaskMessage>();
    done->error_code = ErrorCode::Cancelled;
    done->error_message = "the model was disposed before the request started";
    if (job.channel.BlockingCall(done.get()) == napi_ok) done.release();
    job.channel.Release();
}

// {promise, cancel}: cancel() stops the job within one decoder step, or before it starts.
Napi::Object make_task(Napi::Env env, const Napi::Promise& promise, std::shared_ptr<CancellationFlag> cancellation) {
    auto task = Napi::Object::New(env);
    task.Set("promise", promise);
    task.Set("cancel", Napi::Function::New(env, [cancellation](const Napi::CallbackInfo& call) {
                 if (cancellation) cancellation->cancel();
                 return call.Env().Undefined();
             }, "cancel"));
    return task;
}

}  // namespace

Napi::Value start_transcription(const Napi::CallbackInfo& info, WhisperModelWrap& owner, WorkerPool<whisper::WhisperSession>& pool) {
    Napi::Env env = info.Env();
    AddonState& state = addon_state(env);
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        throw state.make_error(env, ErrorCode::InvalidArgument, "Expected Float32Array for samples");
    }
    auto job = std::make_shared<TranscriptionJob>();
    const auto samples = info[0].As<Napi::Float32Array>();
    job->samples.assign(samples.Data(), samples.Data() + samples.ElementLength());
    job->sample_rate = require_uint32(info[1], "sampleRate");
    job->channels = require_uint32(info[2], "channels");
    job->options = transcription_options_from_js(info[3]);
    job->cancellation = std::make_shared<CancellationFlag>();

    auto* context = new TaskContext{Napi::Promise::Deferred::New(env), {}, &owner, job->cancellation};
    if (info[4].IsFunction()) context->on_event = Napi::Persistent(info[4].As<Napi::Function>());
    job->channel = TaskChannel::New(env, "ovspeech.transcribe", 0, 1, context,
                                    [](Napi::Env, void*, TaskContext* finished) { delete finished; });
    const Napi::Promise promise = context->deferred.Promise();
    owner.Ref();
    try {
        pool.submit({[job](whisper::WhisperSession& session) { run(*job, session); }, [job] { abandon(*job); }});
    } catch (const Error& e) {
        context->deferred.Reject(state.make_error(env, e.code(), e.what()).Value());
        owner.Unref();
        job->channel.Release();
        return make_task(env, promise, nullptr);
    }
    owner.task_started(job->cancellation);
    return make_task(env, promise, job->cancellation);
}

}  // namespace ovspeech::addon
