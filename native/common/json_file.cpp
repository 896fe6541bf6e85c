#include "common/json_file.h"

#include <fstream>

#include "common/error.h"

namespace ovspeech {

nlohmann::json read_json_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw Error(ErrorCode::UnsupportedModel, file.filename().string() + " is missing or unreadable in " + file.parent_path().string());
    }
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(ErrorCode::UnsupportedModel,
                    file.filename().string() + " in " + file.parent_path().string() + " is not valid JSON: " + e.what());
    }
}

}  // namespace ovspeech
