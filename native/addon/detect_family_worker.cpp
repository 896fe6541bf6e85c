#include "addon/detect_family_worker.h"

#include "addon/addon_state.h"
#include "addon/js_convert.h"
#include "tts/tts_model.h"
#include "whisper/whisper_config.h"

namespace ovspeech::addon {

const std::vector<ModelFamily>& model_families() {
    static const std::vector<ModelFamily> families = [] {
        std::vector<ModelFamily> all{whisper::model_family()};
        for (ModelFamily& family : tts::TtsModel::families()) all.push_back(std::move(family));
        return all;
    }();
    return families;
}

DetectFamilyWorker::DetectFamilyWorker(Napi::Env env, std::string dir)
    : PromiseWorker(env, "ovspeech.detectFamily"), dir_(std::move(dir)) {}

void DetectFamilyWorker::Run() {
    detection_ = ovspeech::detect_family(dir_, model_families());
}

Napi::Value DetectFamilyWorker::Result(Napi::Env env) {
    return to_js(env, detection_);
}

Napi::Value detect_family(const Napi::CallbackInfo& info) {
    return (new DetectFamilyWorker(info.Env(), require_string(info[0], "dir")))->queue();
}

}  // namespace ovspeech::addon
