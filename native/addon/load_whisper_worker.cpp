#include "addon/load_whisper_worker.h"

#include "addon/addon_state.h"
#include "addon/js_convert.h"

namespace ovspeech::addon {

LoadWhisperWorker::LoadWhisperWorker(Napi::Env env, std::string dir, CompileOptions options, size_t workers, size_t max_queued)
    : PromiseWorker(env, "ovspeech.loadWhisperModel"),
      dir_(std::move(dir)),
      options_(std::move(options)),
      workers_(workers),
      max_queued_(max_queued) {}

void LoadWhisperWorker::Run() {
    loaded_.model = whisper::WhisperModel::load(dir_, options_);
    std::vector<std::unique_ptr<whisper::WhisperSession>> sessions;
    for (size_t i = 0; i < workers_; ++i) sessions.push_back(loaded_.model->create_session());
    loaded_.pool = std::make_unique<WorkerPool<whisper::WhisperSession>>(std::move(sessions), max_queued_);
}

Napi::Value LoadWhisperWorker::Result(Napi::Env env) {
    return addon_state(env).whisper_model_class().New({Napi::External<LoadedWhisperModel>::New(env, &loaded_)});
}

Napi::Value load_whisper_model(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::string dir = require_string(info[0], "dir");
    CompileOptions options = compile_options_from_js(info[1]);
    if (!info[2].IsObject()) throw addon_state(env).make_error(env, ErrorCode::InvalidArgument, "Expected object for pool");
    const auto pool = info[2].As<Napi::Object>();
    const uint32_t workers = require_uint32(pool.Get("workers"), "pool.workers");
    const uint32_t max_queued = require_uint32(pool.Get("maxQueued"), "pool.maxQueued");
    if (workers < 1 || workers > 64) {
        throw addon_state(env).make_error(env, ErrorCode::InvalidArgument, "Expected between 1 and 64 for pool.workers");
    }
    auto* worker = new LoadWhisperWorker(env, dir, std::move(options), workers, max_queued);
    auto promise = worker->promise();
    worker->Queue();
    return promise;
}

}  // namespace ovspeech::addon
