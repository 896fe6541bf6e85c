#include "addon/model_queries.h"

#include <string>
#include <vector>

#include "addon/addon_state.h"
#include "addon/js_convert.h"
#include "addon/value_worker.h"
#include "common/model_family.h"
#include "common/model_folder.h"
#include "common/runtime.h"
#include "tts/tts_model.h"
#include "vad/silero_vad.h"
#include "whisper/whisper_config.h"

namespace ovspeech::addon {
namespace {

// The one list of the families ovspeech serves, each with how it recognizes its folder.
const std::vector<ModelFamily>& model_families() {
    static const std::vector<ModelFamily> families = [] {
        std::vector<ModelFamily> all{whisper::model_family()};
        for (ModelFamily& family : tts::TtsModel::families()) all.push_back(std::move(family));
        all.push_back(vad::model_family());
        return all;
    }();
    return families;
}

}  // namespace

Napi::Value available_devices(const Napi::CallbackInfo& info) {
    return queue_value<std::vector<DeviceInfo>>(info.Env(), "ovspeech.availableDevices", [] { return ovspeech::available_devices(); });
}

Napi::Value detect_family(const Napi::CallbackInfo& info) {
    std::string dir = require_string(info[0], "dir");
    return queue_value<FamilyDetection>(info.Env(), "ovspeech.detectFamily",
                                        [dir = std::move(dir)] { return ovspeech::detect_family(dir, model_families()); });
}

Napi::Value inspect_model(const Napi::CallbackInfo& info) {
    std::string dir = require_string(info[0], "dir");
    return queue_value<ModelFolderInfo>(info.Env(), "ovspeech.inspectModel", [dir = std::move(dir)] { return inspect_model_folder(dir); });
}

}  // namespace ovspeech::addon
