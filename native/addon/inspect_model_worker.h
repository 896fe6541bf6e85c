#pragma once

#include <string>

#include "addon/promise_worker.h"
#include "common/model_folder.h"

namespace ovspeech::addon {

class InspectModelWorker : public PromiseWorker {
public:
    InspectModelWorker(Napi::Env env, std::string dir);

protected:
    void Run() override;
    Napi::Value Result(Napi::Env env) override;

private:
    std::string dir_;
    ModelFolderInfo info_;
};

// inspectModel(dir: string): Promise<ModelFolderInfo>
Napi::Value inspect_model(const Napi::CallbackInfo& info);

}  // namespace ovspeech::addon
