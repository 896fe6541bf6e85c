#pragma once

#include <napi.h>

namespace ovspeech::addon {

// Questions about the machine and the models folder, answered off the JS thread: device discovery probes
// every plugin (GPU, NPU), and the folder questions read files.

// availableDevices(): Promise<DeviceInfo[]>
Napi::Value available_devices(const Napi::CallbackInfo& info);

// detectFamily(dir: string): Promise<FamilyDetection>, among the families ovspeech serves.
Napi::Value detect_family(const Napi::CallbackInfo& info);

// inspectModel(dir: string): Promise<ModelFolderInfo>
Napi::Value inspect_model(const Napi::CallbackInfo& info);

}  // namespace ovspeech::addon
