#pragma once

#include <string>

#include "addon/promise_worker.h"
#include "addon/whisper_model_wrap.h"
#include "common/compile_options.h"

namespace ovspeech::addon {

// Reads and compiles a Whisper folder and makes one session per worker, off the JS thread.
class LoadWhisperWorker : public PromiseWorker {
public:
    LoadWhisperWorker(Napi::Env env, std::string dir, CompileOptions options, size_t workers, size_t max_queued);

protected:
    void Run() override;
    Napi::Value Result(Napi::Env env) override;

private:
    std::string dir_;
    CompileOptions options_;
    size_t workers_;
    size_t max_queued_;
    LoadedWhisperModel loaded_;
};

// loadWhisperModel(dir, compile, {workers, maxQueued}): Promise<WhisperModel>
Napi::Value load_whisper_model(const Napi::CallbackInfo& info);

}  // namespace ovspeech::addon
