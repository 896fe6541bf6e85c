#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

namespace ovspeech {

// Reads a JSON file of a model folder; a missing or malformed file is an UNSUPPORTED_MODEL error
// naming the file.
nlohmann::json read_json_file(const std::filesystem::path& file);

}  // namespace ovspeech
