#include "addon/promise_worker.h"

#include "addon/addon_state.h"

namespace ovspeech::addon {

PromiseWorker::PromiseWorker(Napi::Env env, const char* resource_name)
    : Napi::AsyncWorker(env, resource_name), deferred_(Napi::Promise::Deferred::New(env)) {}

void PromiseWorker::Execute() {
    try {
        Run();
    } catch (const Error& e) {
        failed_ = true;
        code_ = e.code();
        message_ = e.what();
    } catch (const std::exception& e) {
        failed_ = true;
        message_ = e.what();
    } catch (...) {
        failed_ = true;
        message_ = "unknown native exception";
    }
}

void PromiseWorker::OnOK() {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (failed_) {
        deferred_.Reject(addon_state(env).make_error(env, code_, message_).Value());
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
