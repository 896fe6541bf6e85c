#pragma once

#include <memory>
#include <unordered_set>

#include <napi.h>

#include "common/cancellation.h"
#include "scheduler/worker_pool.h"
#include "whisper/whisper_model.h"

namespace ovspeech::addon {

// A compiled Whisper model with its worker pool, as loaded off the JS thread.
struct LoadedWhisperModel {
    std::shared_ptr<const whisper::WhisperModel> model;
    std::unique_ptr<WorkerPool<whisper::WhisperSession>> pool;
};

// The JS `WhisperModel` object: transcribe() queues a job on the pool and returns {promise, cancel}.
class WhisperModelWrap : public Napi::ObjectWrap<WhisperModelWrap> {
public:
    static Napi::Function define(Napi::Env env);
    // Takes an External<LoadedWhisperModel>; JS code gets instances only from loadWhisperModel().
    explicit WhisperModelWrap(const Napi::CallbackInfo& info);
    ~WhisperModelWrap() override;

    // Called on the JS thread when a task is queued and when it ends, whatever its outcome.
    void task_started(const std::shared_ptr<CancellationFlag>& cancellation);
    void task_finished(const std::shared_ptr<CancellationFlag>& cancellation);

private:
    Napi::Value transcribe(const Napi::CallbackInfo& info);
    Napi::Value stats(const Napi::CallbackInfo& info);
    Napi::Value dispose(const Napi::CallbackInfo& info);
    // Cancels what is running, abandons what is queued, joins the workers (environment teardown).
    void shut_down();

    LoadedWhisperModel loaded_;
    std::unordered_set<std::shared_ptr<CancellationFlag>> in_flight_;
    Napi::Env::CleanupHook<std::function<void()>> cleanup_hook_;
    // The hook frees itself once it has run, so it must then not be removed again.
    bool cleanup_hook_ran_ = false;
};

}  // namespace ovspeech::addon
