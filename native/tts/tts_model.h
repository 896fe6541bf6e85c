#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/cancellation.h"
#include "common/compile_options.h"
#include "common/model_family.h"

namespace ovspeech::tts {

// Per-request knobs of the decoding loop (SpeechT5's names; other families map them as they can).
struct DecodingOptions {
    float minlenratio = 0.0f;   // at least this many frames per input token, over the reduction factor
    float maxlenratio = 20.0f;  // at most this many
    float threshold = 0.5f;     // stop once the stop probabilities of a step add up to this
};

struct UnitTimings {
    double tokenizer_ms = 0;
    double encoder_ms = 0;
    double decoder_ms = 0;
    double postnet_ms = 0;
    double vocoder_ms = 0;
    size_t decoder_steps = 0;
};

// One worker's infer requests on a TtsModel; never shared between threads.
class TtsSession {
public:
    virtual ~TtsSession() = default;
    // Waveform of one sentence-sized unit of text at the model's sample rate; empty when the tokenizer
    // knows none of its characters. Checks `cancellation` before every decoder step.
    virtual std::vector<float> synthesize(const std::string& text, const std::vector<float>& voice, const DecodingOptions& options,
                                          const CancellationFlag& cancellation, UnitTimings& timings) = 0;
    // How many tokens synthesize() would feed the model for `text`, special tokens included.
    virtual size_t count_tokens(const std::string& text) = 0;
};

// A text-to-speech model folder compiled for a device; one implementation per family (config.json's
// model_type), so that the scheduler and the addon never depend on a family.
class TtsModel {
public:
    virtual ~TtsModel() = default;
    virtual std::string family() const = 0;
    virtual uint32_t sample_rate() const = 0;
    virtual size_t voice_size() const = 0;
    // The most tokens (as count_tokens() counts them) the model takes in one unit of text.
    virtual size_t max_unit_tokens() const = 0;
    virtual std::unique_ptr<TtsSession> create_session() const = 0;

    // Loads the family that recognizes the folder. Throws Error: MODEL_NOT_FOUND,
    // UNSUPPORTED_MODEL (unknown family, missing or broken file, naming it), INVALID_ARGUMENT (device).
    static std::shared_ptr<const TtsModel> load(const std::filesystem::path& dir, const CompileOptions& options);

    // Every family load() knows: how each recognizes its folder.
    static std::vector<ModelFamily> families();
};

}  // namespace ovspeech::tts
