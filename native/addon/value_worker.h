#pragma once

#include <functional>
#include <utility>

#include "addon/js_convert.h"
#include "addon/promise_worker.h"

namespace ovspeech::addon {

// An operation that computes one value off the JS thread (a plugin probe, a folder read) and resolves
// its promise with the value as to_js converts it.
template <typename T>
class ValueWorker : public PromiseWorker {
public:
    ValueWorker(Napi::Env env, const char* resource_name, std::function<T()> compute)
        : PromiseWorker(env, resource_name), compute_(std::move(compute)) {}

protected:
    void Run() override { value_ = compute_(); }
    Napi::Value Result(Napi::Env env) override { return to_js(env, value_); }

private:
    std::function<T()> compute_;
    T value_{};
};

// Queues `compute` on a libuv thread; its promise.
template <typename T>
Napi::Promise queue_value(Napi::Env env, const char* resource_name, std::function<T()> compute) {
    return (new ValueWorker<T>(env, resource_name, std::move(compute)))->queue();
}

}  // namespace ovspeech::addon
