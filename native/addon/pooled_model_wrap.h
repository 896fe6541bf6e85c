#pragma once

#include <functional>
#include <memory>
#include <unordered_set>

#include <napi.h>

#include "addon/addon_state.h"
#include "addon/js_convert.h"
#include "addon/promise_worker.h"
#include "common/cancellation.h"
#include "scheduler/worker_pool.h"

namespace ovspeech::addon {

// A JS object over a compiled model and its worker pool: stats(), dispose(), cancellation of what is in
// flight, and a cleanup hook that stops the workers when the environment exits. `Derived` adds the
// model's operations (see WhisperModelWrap, SpeechModelWrap).
template <typename Derived, typename Session>
class PooledModelWrap : public Napi::ObjectWrap<Derived> {
public:
    using Pool = WorkerPool<Session>;

    explicit PooledModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Derived>(info) {
        cleanup_hook_ = info.Env().AddCleanupHook(std::function<void()>([this] {
            cleanup_hook_ran_ = true;
            shut_down();
        }));
    }

    ~PooledModelWrap() override {
        if (!cleanup_hook_ran_) cleanup_hook_.Remove(this->Env());
        shut_down();
    }

protected:
    static Napi::ClassPropertyDescriptor<Derived> stats_method() {
        return Napi::ObjectWrap<Derived>::InstanceMethod("stats", &PooledModelWrap::stats);
    }
    static Napi::ClassPropertyDescriptor<Derived> dispose_method() {
        return Napi::ObjectWrap<Derived>::InstanceMethod("dispose", &PooledModelWrap::dispose);
    }

    void set_pool(std::unique_ptr<Pool> pool) { pool_ = std::move(pool); }

    // Queues `job`, keeping this object alive until settled() is called for it, as it is for every job,
    // refused ones included. A disposed model (UNAVAILABLE) or a full queue (OVERLOADED) becomes the
    // job's own failure through its `fail`.
    void submit(const std::shared_ptr<CancellationFlag>& cancellation, PoolJob<Session> job) {
        this->Ref();
        const auto fail = job.fail;
        try {
            if (!pool_) throw model_unavailable();
            pool_->submit(std::move(job));
        } catch (const Error& e) {
            fail(e);
            return;
        }
        in_flight_.insert(cancellation);
    }

    // On the JS thread once a job's promise is settled.
    void settled(const std::shared_ptr<CancellationFlag>& cancellation) {
        in_flight_.erase(cancellation);
        this->Unref();
    }

private:
    // Closing a pool waits for its running jobs: off the JS thread.
    class ClosePoolWorker : public PromiseWorker {
    public:
        ClosePoolWorker(Napi::Env env, std::unique_ptr<Pool> pool) : PromiseWorker(env, "ovspeech.model.dispose"), pool_(std::move(pool)) {}

    protected:
        void Run() override {
            if (pool_) pool_->close();
            pool_.reset();
        }
        Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

    private:
        std::unique_ptr<Pool> pool_;
    };

    Napi::Value stats(const Napi::CallbackInfo& info) { return to_js(info.Env(), pool_ ? pool_->stats() : PoolStats{}); }

    Napi::Value dispose(const Napi::CallbackInfo& info) { return (new ClosePoolWorker(info.Env(), std::move(pool_)))->queue(); }

    // Cancels what is running, abandons what is queued, joins the workers.
    void shut_down() {
        for (const auto& cancellation : in_flight_) cancellation->cancel();
        if (pool_) pool_->close();
        pool_.reset();
    }

    std::unique_ptr<Pool> pool_;
    std::unordered_set<std::shared_ptr<CancellationFlag>> in_flight_;
    Napi::Env::CleanupHook<std::function<void()>> cleanup_hook_;
    // The hook frees itself once it has run, so it must then not be removed again.
    bool cleanup_hook_ran_ = false;
};

}  // namespace ovspeech::addon
