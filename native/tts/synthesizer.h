#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/cancellation.h"
#include "tts/tts_model.h"
#include "tts/voices.h"

namespace ovspeech::tts {

constexpr size_t kMaxInputCharacters = 4096;

struct SpeechRequest {
    std::string text;
    std::string voice;            // empty: the default voice
    double speed = 1.0;           // 0.25 to 4.0; pitch is kept (time-stretched unless the model controls its speed)
    bool normalize = true;        // spell out numbers, currency, abbreviations (English)
    bool split = true;            // synthesize sentence by sentence (needed to stream); off: the text is one unit
    double pause_seconds = 0.25;  // silence between sentences at speed 1 (it scales with the speech)
    uint32_t sample_rate = 0;     // of the audio handed out, resampled on the worker; 0: the model's own
    OptionValues options;         // the family's own (TtsModel::option_specs), by name
};

struct SpeechSummary {
    UnitTimings units;
    double normalize_ms = 0;
    double stretch_ms = 0;
    size_t unit_count = 0;
    size_t samples = 0;
    uint32_t sample_rate = 0;
};

// Runs the synthesis of one unit's tokens (TtsSession::tokenize) to its end, checking `cancellation`
// before every step. Throws as TtsSession::start does, and CANCELLED.
std::vector<float> synthesize_unit(TtsSession& session, std::vector<int64_t> tokens, const Voice& voice, const OptionValues& options,
                                   double speed, const CancellationFlag& cancellation, UnitTimings& timings);

// Synthesizes a request unit by unit, handing each unit's audio (pause included, at the request's sample
// rate) to `on_chunk` as soon as it is done. A unit is a sentence, spelled out, and cut further where it
// has more tokens than the model takes (TtsModel::max_unit_tokens). Throws Error: INVALID_ARGUMENT (empty,
// over 4096 characters, a control character, invalid UTF-8, an unknown voice, speed or sample rate out of
// range, an option the family does not have or out of its range, nothing the tokenizer can read, more tokens than the model takes without
// sentence splitting), CANCELLED.
SpeechSummary synthesize_speech(TtsSession& session, const TtsModel& model, const VoiceLibrary& voices, const SpeechRequest& request,
                                const CancellationFlag& cancellation, const std::function<void(std::vector<float>&& chunk)>& on_chunk);

}  // namespace ovspeech::tts
