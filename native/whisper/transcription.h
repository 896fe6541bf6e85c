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
    // Word timestamps from the cross-attention of the model's alignment heads, as GenAI computes them.
    // The whole request then runs on the model's word decoder (GenAI's decomposed attention, whose
    // tokens can differ from the plain decoder's). They do not turn segment timestamps on.
    bool word_timestamps = false;
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
    uint64_t seed = 0;      // sampling at temperature > 0 is deterministic for a seed
    bool logprobs = false;  // TranscriptionResult::logprobs and TextDelta::logprobs
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

struct WordTiming {
    std::string word;  // with its leading space; punctuation merged into the neighbouring word
    float start, end;  // seconds from the start of the audio
    std::vector<int64_t> tokens;
    // The mean probability of the word's tokens (before punctuation was merged in) in the alignment
    // pass, among text tokens, as openai-whisper's word probability.
    float probability;
};

// A text token of the transcript with its log-probability, as OpenAI's include[]=logprobs gives it.
struct TokenLogprob {
    std::string bytes;  // the token's own bytes: byte-level BPE can end a token inside a UTF-8 character
    float logprob = 0;
};

struct TranscriptionTimings {
    double features_ms = 0;
    double encoder_ms = 0;
    double decoder_ms = 0;
    double word_timestamps_ms = 0;
    size_t decoded_tokens = 0;
};

struct TranscriptionResult {
    std::string text;
    std::vector<int64_t> tokens;                 // the transcript's tokens, as GenAI reports them
    std::vector<float> token_logprobs;           // one per token
    std::string language;                        // "en"
    float language_probability = 0;              // 1 when the language was given
    float duration = 0;                          // seconds of audio
    std::vector<TranscriptionSegment> segments;  // when timestamps were asked for
    // When word timestamps were asked for: as in GenAI, the words of everything each window decoded,
    // so the text after a window's last closed segment, which the next window decodes again, is there
    // too (words may repeat or be missing from `text`). A window that starts past the audio's end is
    // aligned over all its 30 s, as GenAI does, so such words can end after `duration`.
    std::vector<WordTiming> words;
    // When logprobs were asked for: one per token of `tokens` that `text` is made of, so all but the
    // special tokens (WhisperConfig::is_special). Their bytes joined are `text` with invalid UTF-8 kept.
    std::optional<std::vector<TokenLogprob>> logprobs;
    TranscriptionTimings timings;
};

// A piece of transcript text as it is decoded.
struct TextDelta {
    std::string text;
    // When logprobs were asked for: the text tokens decoded since the previous delta, whose text this
    // one completes. All deltas' logprobs add up to TranscriptionResult::logprobs.
    std::optional<std::vector<TokenLogprob>> logprobs;
};

// Called on the worker thread as results become final.
struct TranscriptionEvents {
    // Text as it is decoded: token by token when there are no timestamps and no fallback, window by
    // window with timestamps, all at the end with fallback alone.
    std::function<void(const TextDelta&)> on_text;
    std::function<void(const TranscriptionSegment&)> on_segment;
};

}  // namespace ovspeech::whisper
