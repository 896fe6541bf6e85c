#include "whisper/segments.h"

#include <optional>

namespace ovspeech::whisper {

WindowSegments split_segments(const std::vector<int64_t>& tokens, const WhisperConfig& config, size_t window_frames,
                              float seconds_per_timestamp, float window_start_seconds) {
    const int64_t timestamp_begin = config.timestamp_begin();
    const auto seconds = [&](int64_t timestamp) {
        return static_cast<float>(timestamp - timestamp_begin) * seconds_per_timestamp + window_start_seconds;
    };

    WindowSegments result;
    std::optional<int64_t> opening;
    size_t opening_index = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const int64_t token = tokens[i];
        if (token < timestamp_begin) continue;
        if (!opening) {
            opening = token;
            opening_index = i;
            continue;
        }
        // A repeated timestamp is the model's slip: it opens the segment again rather than closing it.
        if (*opening == token) continue;
        TimedSegment segment;
        segment.tokens.assign(tokens.begin() + opening_index + 1, tokens.begin() + i);
        segment.start = seconds(*opening);
        segment.end = seconds(token);
        segment.first_token = opening_index + 1;
        segment.last_token = i;
        result.text_tokens.insert(result.text_tokens.end(), segment.tokens.begin(), segment.tokens.end());
        result.segments.push_back(std::move(segment));
        // One timestamp step is two feature frames (0.02 s).
        result.next_offset_frames = static_cast<size_t>(token - timestamp_begin) * 2;
        opening.reset();
    }

    const bool tokens_after_opening = !tokens.empty() && opening_index < tokens.size() - 1;
    if (opening && tokens_after_opening && result.segments.empty()) {
        TimedSegment segment;
        segment.tokens.assign(tokens.begin() + opening_index + 1, tokens.end());
        segment.start = seconds(*opening);
        segment.end = -1.0f;
        segment.first_token = opening_index + 1;
        segment.last_token = tokens.size();
        result.text_tokens.insert(result.text_tokens.end(), segment.tokens.begin(), segment.tokens.end());
        result.segments.push_back(std::move(segment));
        result.next_offset_frames = window_frames;
    }
    // A closed last pair (or no timestamp at all) means nothing more was said in this window.
    if (!opening) result.next_offset_frames = window_frames;
    // GenAI would seek by 0 here and decode the same window forever; move on instead.
    if (result.next_offset_frames == 0) result.next_offset_frames = window_frames;
    return result;
}

}  // namespace ovspeech::whisper
