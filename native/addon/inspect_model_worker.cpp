#include "addon/inspect_model_worker.h"

#include "addon/addon_state.h"
#include "addon/js_convert.h"

namespace ovspeech::addon {

InspectModelWorker::InspectModelWorker(Napi::Env env, std::string dir)
    : PromiseWorker(env, "ovspeech.inspectModel"), dir_(std::move(dir)) {}

void InspectModelWorker::Run() {
    info_ = inspect_model_folder(dir_);
}

Napi::Value InspectModelWorker::Result(Napi::Env env) {
    return to_js(env, info_);
}

Napi::Value inspect_model(const Napi::CallbackInfo& info) {
    return (new InspectModelWorker(info.Env(), require_string(info[0], "dir")))->queue();
}

}  // namespace ovspeech::addon
