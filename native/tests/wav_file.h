#pragma once

// Test-only WAV reader: 16-bit PCM (as x / 32768) and 32-bit IEEE float, any rate and channel count,
// plain or WAVE_FORMAT_EXTENSIBLE.

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace ovspeech::test {

struct WavFile {
    uint32_t sample_rate = 0;
    uint32_t channels = 0;
    std::vector<float> samples;  // interleaved

    size_t frames() const { return channels == 0 ? 0 : samples.size() / channels; }
};

inline WavFile read_wav(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot open " + path.string());
    }
    const std::vector<unsigned char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const auto fail = [&](const std::string& why) { throw std::runtime_error(path.string() + ": " + why); };
    const auto u16 = [&](size_t at) { return static_cast<uint32_t>(bytes[at] | bytes[at + 1] << 8); };
    const auto u32 = [&](size_t at) { return u16(at) | u16(at + 2) << 16; };

    if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 || std::memcmp(bytes.data() + 8, "WAVE", 4) != 0) {
        fail("not a RIFF/WAVE file");
    }
    constexpr uint32_t kPcm = 1;
    constexpr uint32_t kIeeeFloat = 3;
    constexpr uint32_t kExtensible = 0xFFFE;
    uint32_t format = 0;
    uint32_t bits = 0;
    WavFile wav;
    for (size_t at = 12; at + 8 <= bytes.size();) {
        const std::string id(reinterpret_cast<const char*>(bytes.data() + at), 4);
        const size_t size = u32(at + 4);
        const size_t body = at + 8;
        if (body + size > bytes.size()) {
            fail("chunk '" + id + "' runs past the end of the file");
        }
        if (id == "fmt ") {
            format = u16(body);
            wav.channels = u16(body + 2);
            wav.sample_rate = u32(body + 4);
            bits = u16(body + 14);
            if (format == kExtensible && size >= 26) {
                format = u16(body + 24);  // the sub-format GUID starts with the format tag
            }
        } else if (id == "data") {
            if (wav.channels == 0) {
                fail("data chunk before the fmt chunk");
            }
            if (format == kPcm && bits == 16) {
                wav.samples.resize(size / 2);
                for (size_t i = 0; i < wav.samples.size(); ++i) {
                    wav.samples[i] = static_cast<float>(static_cast<int16_t>(u16(body + 2 * i))) / 32768.0f;
                }
            } else if (format == kIeeeFloat && bits == 32) {
                wav.samples.resize(size / 4);
                for (size_t i = 0; i < wav.samples.size(); ++i) {
                    const uint32_t word = u32(body + 4 * i);
                    std::memcpy(&wav.samples[i], &word, sizeof word);
                }
            } else {
                fail("unsupported format " + std::to_string(format) + " with " + std::to_string(bits) + " bits");
            }
            return wav;
        }
        at = body + size + (size & 1);  // chunks are padded to an even size
    }
    fail("no data chunk");
    return wav;
}

}  // namespace ovspeech::test
