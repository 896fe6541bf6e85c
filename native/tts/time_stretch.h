#pragma once

#include <cstdint>
#include <vector>

namespace ovspeech::tts {

constexpr double kMinSpeed = 0.25;
constexpr double kMaxSpeed = 4.0;
constexpr uint32_t kMinStretchSampleRate = 8000;
constexpr uint32_t kMaxStretchSampleRate = 192000;

// Changes the duration of mono float audio by 1/speed without changing its pitch (WSOLA: waveform-similarity
// overlap-add with a Hann window, ~20-40 ms frames, cross-correlation search for the best-aligned segment).
// speed == 1.0 returns the input unchanged (bit-exact copy). Throws InvalidArgument for speed outside
// [0.25, 4.0] or non-finite, or sample_rate outside [8000, 192000].
//
// The output holds exactly round(samples.size() / speed) samples. Frames are 30 ms long and overlap by half;
// each may move up to 7.5 ms from its nominal place, enough to line up any pitch period down to 67 Hz.
// Input shorter than one frame holds no whole period to repeat or drop: it is returned as it is, cut or
// padded with silence to that length. Empty input returns empty output.
std::vector<float> time_stretch(const std::vector<float>& samples, uint32_t sample_rate, double speed);

}  // namespace ovspeech::tts
