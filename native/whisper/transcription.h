#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ovspeech::whisper {

struct TranscriptionOptions {
    std::optional<std::string> language;  // "en" or "<|en|>"; detected when absent
    std::string task = "transcribe";      // or "translate"
    bool timestamps = false;              // segment timestamps
    std::optional<std::string> initial_prompt;
    std::optional<size_t> max_new_tokens;  // per window; default: the model's max_length minus the prompt
    float temperature = 0;                 // 0: greedy
    // OpenAI Whisper's rule (beyond GenAI): retry a window at higher temperatures while its compression
    // ratio or average log-prob is out of bounds, and skip it as silence when no-speech is likely.
    bool temperature_fallback = false;
    std::vector<float> fallback_temperatures = {0.2f, 0.4f, 0.6f, 0.8f, 1.0f};
    float compression_ratio_threshold = 2.4f;
    float logprob_threshold = -1.0f;
    float no_speech_threshold = 0.6f;
    uint64_t seed = 0;  // sampling at temperature > 0 is deterministic for a seed
};

struct TranscriptionSegment {
    size_t id = 0;
    size_t seek = 0;  // the window's first feature frame (100 frames a second)
    float start = 0;
    float end = 0;  // -1: the audio ended inside the segment
    std::string text;
    std::vector<int64_t> tokens;
    float temperature = 0;
    float avg_logprob = 0;
    float compression_ratio = 0;
    float no_speech_prob = 0;
};

struct TranscriptionTimings {
    double features_ms = 0;
    double encoder_ms = 0;
    double decoder_ms = 0;
    size_t decoded_tokens = 0;
};

struct TranscriptionResult {
    std::string text;
    std::vector<int64_t> tokens;        // the transcript's tokens, as GenAI reports them
    std::vector<float> token_logprobs;  // one per token
    std::string language;               // "en"
    float language_probability = 0;    // 1 when the language was given
    float duration = 0;                 // seconds of audio
    std::vector<TranscriptionSegment> segments;  // when timestamps were asked for
    TranscriptionTimings timings;
};

// A piece of transcript text as it is decoded.
struct TextDelta {
    std::string text;
};

// Called on the worker thread as results become final.
struct TranscriptionEvents {
    // Text as it is decoded (token by token when there are no timestamps, segment by segment otherwise).
    std::function<void(const std::string& delta)> on_text;
    std::function<void(const TranscriptionSegment&)> on_segment;
};

}  // namespace ovspeech::whisper
