#include "addon/whisper_model_wrap.h"

#include "addon/addon_state.h"
#include "addon/js_convert.h"
#include "addon/promise_worker.h"
#include "addon/transcribe_task.h"

namespace ovspeech::addon {
namespace {

// Closing a pool waits for its running jobs: off the JS thread.
class ClosePoolWorker : public PromiseWorker {
public:
    ClosePoolWorker(Napi::Env env, std::unique_ptr<WorkerPool<whisper::WhisperSession>> pool)
        : PromiseWorker(env, "ovspeech.whisperModel.dispose"), pool_(std::move(pool)) {}

protected:
    void Run() override {
        if (pool_) pool_->close();
        pool_.reset();
    }
    Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

private:
    std::unique_ptr<WorkerPool<whisper::WhisperSession>> pool_;
};

}  // namespace

Napi::Function WhisperModelWrap::define(Napi::Env env) {
    return DefineClass(env, "WhisperModel",
                       {InstanceMethod<&WhisperModelWrap::transcribe>("transcribe"),
                        InstanceMethod<&WhisperModelWrap::stats>("stats"),
                        InstanceMethod<&WhisperModelWrap::dispose>("dispose")});
}

WhisperModelWrap::WhisperModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WhisperModelWrap>(info) {
    if (!info[0].IsExternal()) {
        throw Napi::TypeError::New(info.Env(), "WhisperModel objects come from loadWhisperModel()");
    }
    loaded_ = std::move(*info[0].As<Napi::External<LoadedWhisperModel>>().Data());
    cleanup_hook_ = info.Env().AddCleanupHook(std::function<void()>([this] {
        cleanup_hook_ran_ = true;
        shut_down();
    }));
}

WhisperModelWrap::~WhisperModelWrap() {
    if (!cleanup_hook_ran_) cleanup_hook_.Remove(Env());
    shut_down();
}

void WhisperModelWrap::task_started(const std::shared_ptr<CancellationFlag>& cancellation) {
    in_flight_.insert(cancellation);
}

void WhisperModelWrap::task_finished(const std::shared_ptr<CancellationFlag>& cancellation) {
    in_flight_.erase(cancellation);
}

void WhisperModelWrap::shut_down() {
    for (const auto& cancellation : in_flight_) cancellation->cancel();
    if (loaded_.pool) loaded_.pool->close();
    loaded_.pool.reset();
}

Napi::Value WhisperModelWrap::transcribe(const Napi::CallbackInfo& info) {
    if (!loaded_.pool) {
        throw addon_state(info.Env()).make_error(info.Env(), ErrorCode::Cancelled, "the model has been disposed");
    }
    return start_transcription(info, *this, *loaded_.pool);
}

Napi::Value WhisperModelWrap::stats(const Napi::CallbackInfo& info) {
    return to_js(info.Env(), loaded_.pool ? loaded_.pool->stats() : PoolStats{});
}

Napi::Value WhisperModelWrap::dispose(const Napi::CallbackInfo& info) {
    auto* worker = new ClosePoolWorker(info.Env(), std::move(loaded_.pool));
    auto promise = worker->promise();
    worker->Queue();
    return promise;
}

}  // namespace ovspeech::addon
