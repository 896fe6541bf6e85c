#include "addon/devices_worker.h"

#include "addon/js_convert.h"

namespace ovspeech::addon {

DevicesWorker::DevicesWorker(Napi::Env env) : PromiseWorker(env, "ovspeech.availableDevices") {}

void DevicesWorker::Run() {
    devices_ = ovspeech::available_devices();
}

Napi::Value DevicesWorker::Result(Napi::Env env) {
    return to_js(env, devices_);
}

Napi::Value available_devices(const Napi::CallbackInfo& info) {
    return (new DevicesWorker(info.Env()))->queue();
}

}  // namespace ovspeech::addon
