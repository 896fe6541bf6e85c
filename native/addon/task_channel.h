#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <napi.h>

#include "addon/addon_state.h"
#include "common/cancellation.h"
#include "common/error.h"

namespace ovspeech::addon {

// What a finished job hands back, with how long it waited and took.
template <typename Result>
struct Outcome {
    Result result;
    double queued_ms = 0;
    double total_ms = 0;
};

// The way back from a worker thread to JS for one job: events (delivered to an optional listener) and
// then exactly one outcome that settles the job's promise, in the order the worker sent them. Events
// and outcomes become JS values through to_js(Napi::Env, const T&) overloads.
template <typename Event, typename Result>
class TaskChannel {
    struct Message {
        std::optional<Event> event;
        std::optional<Outcome<Result>> outcome;
        ErrorCode error_code = ErrorCode::Internal;
        std::string error_message;
        std::string error_param;
    };

    struct Context {
        Napi::Promise::Deferred deferred;
        Napi::FunctionReference listener;
        std::function<void()> on_settled;
    };

    static void deliver(Napi::Env env, Napi::Function, Context* context, Message* message) {
        std::unique_ptr<Message> owned(message);
        if (env == nullptr) return;  // the environment is going away
        Napi::HandleScope scope(env);
        if (message->event) {
            if (context->listener.IsEmpty()) return;
            try {
                context->listener.Call({to_js(env, *message->event)});
            } catch (const Napi::Error&) {
                // The engines' own listeners do not throw; one that does must not take the job down.
            }
            return;
        }
        if (message->outcome) {
            context->deferred.Resolve(to_js(env, *message->outcome));
        } else {
            context->deferred.Reject(addon_state(env).make_error(env, message->error_code, message->error_message, message->error_param).Value());
        }
        if (context->on_settled) context->on_settled();
    }

    using Function = Napi::TypedThreadSafeFunction<Context, Message, deliver>;

public:
    using Clock = std::chrono::steady_clock;

    // JS thread. `on_settled` runs on the JS thread once the promise is settled.
    TaskChannel(Napi::Env env, const char* name, const Napi::Value& listener, std::function<void()> on_settled)
        : context_(new Context{Napi::Promise::Deferred::New(env), {}, std::move(on_settled)}) {
        if (listener.IsFunction()) context_->listener = Napi::Persistent(listener.As<Napi::Function>());
        function_ = Function::New(env, name, 0, 1, context_, [](Napi::Env, void*, Context* finished) { delete finished; });
    }

    // JS thread, within the call that made the channel (the handle belongs to that call's scope).
    Napi::Promise promise() const { return context_->deferred.Promise(); }

    // Worker thread: an event, delivered unless the environment is going away.
    void emit(Event event) {
        auto message = std::make_unique<Message>();
        message->event = std::move(event);
        if (function_.NonBlockingCall(message.get()) == napi_ok) message.release();
    }

    // Worker thread: runs `work`, then settles the promise with its result or its error, and lets go of
    // the channel. `submitted` is when the job was queued.
    void complete(Clock::time_point submitted, const std::function<Result(double queued_ms)>& work) {
        auto message = std::make_unique<Message>();
        const double queued_ms = milliseconds(Clock::now() - submitted);
        try {
            Result result = work(queued_ms);
            message->outcome = Outcome<Result>{std::move(result), queued_ms, milliseconds(Clock::now() - submitted)};
        } catch (const Error& e) {
            message->error_code = e.code();
            message->error_message = e.what();
            message->error_param = e.param();
        } catch (const std::exception& e) {
            message->error_message = e.what();
        }
        settle(std::move(message));
    }

    // Any thread: settles the promise with an error without running anything.
    void fail(ErrorCode code, std::string message_text) {
        auto message = std::make_unique<Message>();
        message->error_code = code;
        message->error_message = std::move(message_text);
        settle(std::move(message));
    }

private:
    static double milliseconds(Clock::duration duration) { return std::chrono::duration<double, std::milli>(duration).count(); }

    void settle(std::unique_ptr<Message> message) {
        if (function_.BlockingCall(message.get()) == napi_ok) message.release();
        function_.Release();
    }

    Context* context_;
    Function function_;
};

// {promise, cancel}: cancel() stops the job within one decoder step, or before it starts.
Napi::Object make_task(Napi::Env env, const Napi::Promise& promise, const std::shared_ptr<CancellationFlag>& cancellation);

}  // namespace ovspeech::addon
