#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "whisper/whisper_config.h"

namespace ovspeech::whisper {

struct TimedSegment {
    std::vector<int64_t> tokens;  // text tokens between the two timestamps
    float start = 0;              // seconds from the start of the audio
    float end = 0;                // -1 when the window ended inside an unclosed segment
    size_t first_token = 0;       // [first_token, last_token) in the window's generated tokens
    size_t last_token = 0;
};

struct WindowSegments {
    std::vector<TimedSegment> segments;
    std::vector<int64_t> text_tokens;  // the segments' tokens, concatenated
    size_t next_offset_frames = 0;     // where the next window starts, relative to this one
};

// Splits a window's generated tokens at timestamp pairs, as GenAI and Transformers do: a repeated
// opening timestamp is skipped; an unclosed segment counts only when it is the window's only one; the
// next window starts at the last closing timestamp, or after this window when speech ended in it.
WindowSegments split_segments(const std::vector<int64_t>& tokens, const WhisperConfig& config, size_t window_frames,
                              float seconds_per_timestamp, float window_start_seconds);

}  // namespace ovspeech::whisper
