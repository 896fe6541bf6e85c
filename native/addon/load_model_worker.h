#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <napi.h>

#include "addon/promise_worker.h"
#include "scheduler/worker_pool.h"

namespace ovspeech::addon {

// One session per worker, made up front on the loading thread, in a bounded pool.
template <typename Session, typename Model>
std::unique_ptr<WorkerPool<Session>> make_pool(const Model& model, size_t workers, size_t max_queued) {
    std::vector<std::unique_ptr<Session>> sessions;
    for (size_t i = 0; i < workers; ++i) sessions.push_back(model.create_session());
    return std::make_unique<WorkerPool<Session>>(std::move(sessions), max_queued);
}

// Loads a model off the JS thread: `load` builds its state (model, voices, pool) on a libuv thread, and
// the promise resolves with a new object of `model_class` (a PooledModelWrap) made from that state.
template <typename Loaded>
class LoadModelWorker : public PromiseWorker {
public:
    LoadModelWorker(Napi::Env env, const char* resource_name, std::function<Loaded()> load, const Napi::FunctionReference& model_class)
        : PromiseWorker(env, resource_name), load_(std::move(load)), model_class_(model_class) {}

protected:
    void Run() override { loaded_ = load_(); }
    Napi::Value Result(Napi::Env env) override { return model_class_.New({Napi::External<Loaded>::New(env, &loaded_)}); }

private:
    std::function<Loaded()> load_;
    const Napi::FunctionReference& model_class_;  // lives in AddonState as long as the environment
    Loaded loaded_;
};

}  // namespace ovspeech::addon
