#pragma once

#include <vector>

#include <napi.h>

#include "common/model_folder.h"
#include "common/runtime.h"

namespace ovspeech::addon {

Napi::Value to_js(Napi::Env env, const ModelFolderInfo& info);
Napi::Value to_js(Napi::Env env, const std::vector<DeviceInfo>& devices);

}  // namespace ovspeech::addon
