#include "addon/js_convert.h"

namespace ovspeech::addon {
namespace {

Napi::Array to_js(Napi::Env env, const std::vector<std::string>& strings) {
    auto array = Napi::Array::New(env, strings.size());
    for (uint32_t i = 0; i < strings.size(); ++i) array.Set(i, Napi::String::New(env, strings[i]));
    return array;
}

Napi::Array to_js(Napi::Env env, const std::vector<PortInfo>& ports) {
    auto array = Napi::Array::New(env, ports.size());
    for (uint32_t i = 0; i < ports.size(); ++i) {
        auto port = Napi::Object::New(env);
        port.Set("names", to_js(env, ports[i].names));
        port.Set("elementType", ports[i].element_type);
        port.Set("shape", ports[i].shape);
        array.Set(i, port);
    }
    return array;
}

}  // namespace

Napi::Value to_js(Napi::Env env, const ModelFolderInfo& info) {
    auto irs = Napi::Array::New(env, info.irs.size());
    for (uint32_t i = 0; i < info.irs.size(); ++i) {
        auto ir = Napi::Object::New(env);
        ir.Set("name", info.irs[i].name);
        ir.Set("stateful", info.irs[i].stateful);
        ir.Set("inputs", to_js(env, info.irs[i].inputs));
        ir.Set("outputs", to_js(env, info.irs[i].outputs));
        irs.Set(i, ir);
    }
    auto result = Napi::Object::New(env);
    result.Set("path", info.path);
    result.Set("modelType", info.model_type);
    result.Set("config", info.config_json);
    result.Set("irs", irs);
    return result;
}

Napi::Value to_js(Napi::Env env, const std::vector<DeviceInfo>& devices) {
    auto array = Napi::Array::New(env, devices.size());
    for (uint32_t i = 0; i < devices.size(); ++i) {
        auto device = Napi::Object::New(env);
        device.Set("name", devices[i].name);
        device.Set("fullName", devices[i].full_name);
        array.Set(i, device);
    }
    return array;
}

}  // namespace ovspeech::addon
