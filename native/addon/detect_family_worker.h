#pragma once

#include <string>
#include <vector>

#include "addon/promise_worker.h"
#include "common/model_family.h"

namespace ovspeech::addon {

// The one list of the families ovspeech serves, each with how it recognizes its folder.
const std::vector<ModelFamily>& model_families();

class DetectFamilyWorker : public PromiseWorker {
public:
    DetectFamilyWorker(Napi::Env env, std::string dir);

protected:
    void Run() override;
    Napi::Value Result(Napi::Env env) override;

private:
    std::string dir_;
    FamilyDetection detection_;
};

// detectFamily(dir: string): Promise<FamilyDetection>
Napi::Value detect_family(const Napi::CallbackInfo& info);

}  // namespace ovspeech::addon
