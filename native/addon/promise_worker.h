#pragma once

#include <optional>

#include <napi.h>

#include "common/error.h"

namespace ovspeech::addon {

// Base of every asynchronous operation: Run() works on a libuv worker thread on the job's own data
// only; its exceptions become one coded JS error, settled on the JS thread.
class PromiseWorker : public Napi::AsyncWorker {
public:
    PromiseWorker(Napi::Env env, const char* resource_name);
    // Hands the worker to libuv, which deletes it once settled; returns its promise.
    Napi::Promise queue() {
        Napi::Promise promise = deferred_.Promise();
        Queue();
        return promise;
    }

protected:
    virtual void Run() = 0;
    virtual Napi::Value Result(Napi::Env env) = 0;

private:
    void Execute() final;
    void OnOK() final;
    void OnError(const Napi::Error& error) final;

    Napi::Promise::Deferred deferred_;
    std::optional<Error> error_;
};

}  // namespace ovspeech::addon
