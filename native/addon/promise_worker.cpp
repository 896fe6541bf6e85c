#include "addon/promise_worker.h"

#include "addon/addon_state.h"

namespace ovspeech::addon {

PromiseWorker::PromiseWorker(Napi::Env env, const char* resource_name)
    : Napi::AsyncWorker(env, resource_name), deferred_(Napi::Promise::Deferred::New(env)) {}

void PromiseWorker::Execute() {
    try {
        Run();
    } catch (...) {
        error_ = current_exception_as_error();
    }
}

void PromiseWorker::OnOK() {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (error_) {
        deferred_.Reject(addon_state(env).make_error(env, *error_).Value());
        return;
    }
    try {
        deferred_.Resolve(Result(env));
    } catch (const Napi::Error& e) {
        deferred_.Reject(e.Value());
    }
}

void PromiseWorker::OnError(const Napi::Error& error) {
    deferred_.Reject(error.Value());
}

}  // namespace ovspeech::addon
