#pragma once

#include <vector>

#include "addon/promise_worker.h"
#include "common/runtime.h"

namespace ovspeech::addon {

// Device discovery probes every plugin (GPU, NPU), which can take a while: off the JS thread.
class DevicesWorker : public PromiseWorker {
public:
    explicit DevicesWorker(Napi::Env env);

protected:
    void Run() override;
    Napi::Value Result(Napi::Env env) override;

private:
    std::vector<DeviceInfo> devices_;
};

// availableDevices(): Promise<DeviceInfo[]>
Napi::Value available_devices(const Napi::CallbackInfo& info);

}  // namespace ovspeech::addon
