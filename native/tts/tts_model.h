#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/compile_options.h"
#include "common/compute_summary.h"
#include "common/model_family.h"
#include "tts/tts_options.h"

namespace ovspeech::tts {

// A voice as its family takes it: a speaker embedding (SpeechT5), a speaker id of a multi-speaker model,
// or nothing for a model with one speaker.
using SpeakerEmbedding = std::vector<float>;
using SpeakerId = int64_t;
using Voice = std::variant<std::monostate, SpeakerEmbedding, SpeakerId>;

struct UnitTimings {
    double tokenizer_ms = 0;
    double encoder_ms = 0;
    double decoder_ms = 0;
    double postnet_ms = 0;
    double vocoder_ms = 0;
    size_t decoder_steps = 0;
};

// One sentence-sized unit's synthesis as resumable steps, so that a scheduler can interleave the units
// of several requests. Until it is done, no other work may run on the session that started it.
class UnitSynthesis {
public:
    virtual ~UnitSynthesis() = default;
    // Does the next bounded piece of work (SpeechT5: the encoder, one decoder step, or postnet and
    // vocoder; Piper: the durations, or the whole model); false once there is none left.
    virtual bool step() = 0;
    // The waveform at the model's sample rate, once step() has returned false; empty for a unit without
    // tokens.
    virtual std::vector<float> finish() = 0;
};

// One worker's infer requests on a TtsModel; never shared between threads. A unit of text is tokenized
// once: the synthesizer checks its tokens against TtsModel::max_unit_tokens, then starts their synthesis.
class TtsSession {
public:
    virtual ~TtsSession() = default;
    // The token ids the model reads for a unit of text, special tokens included (SpeechT5: its tokenizer's
    // without <unk>; Piper: espeak-ng's phonemes through the voice's phoneme_id_map); empty when the model
    // can read none of its characters. Throws Error(INTERNAL) when a tokenizing program fails (espeak-ng).
    virtual std::vector<int64_t> tokenize(const std::string& text) = 0;
    // Starts the synthesis of a unit's tokens, as tokenize() gave them. `options` are the family's, checked
    // (TtsModel::option_specs, check_option_values); `speed` is for a model that sets its own
    // (TtsModel::controls_speed). `timings` gathers the unit's and must outlive it. Throws INVALID_ARGUMENT
    // for a voice of a kind the family does not take.
    virtual std::unique_ptr<UnitSynthesis> start(std::vector<int64_t> tokens, const Voice& voice, const OptionValues& options, double speed,
                                                 UnitTimings& timings) = 0;
};

// A text-to-speech model folder compiled for a device; one implementation per family (config.json's
// model_type), so that the scheduler and the addon never depend on a family.
class TtsModel {
public:
    virtual ~TtsModel() = default;
    virtual std::string family() const = 0;
    virtual uint32_t sample_rate() const = 0;
    // The voices the model brings by name (at least one), with those of `extra_dir` where the family reads
    // a folder of further voices. Throws Error: UNSUPPORTED_MODEL (a broken voice, none at all, naming
    // it), INVALID_ARGUMENT (`extra_dir` missing, or given to a family that takes none).
    virtual std::map<std::string, Voice> load_voices(const std::optional<std::filesystem::path>& extra_dir) const = 0;
    // The most tokens (as TtsSession::tokenize() gives them) the model takes in one unit of text.
    virtual size_t max_unit_tokens() const = 0;
    // The options a request may set for this family, with their defaults and ranges.
    virtual const std::vector<OptionSpec>& option_specs() const = 0;
    // Checks what the ranges alone cannot (how options relate); throws INVALID_ARGUMENT.
    virtual void check_option_values(const OptionValues& values) const = 0;
    // Whether the model speaks faster or slower itself (Piper's length_scale); if not, the synthesizer
    // time-stretches its audio.
    virtual bool controls_speed() const = 0;
    virtual std::unique_ptr<TtsSession> create_session() const = 0;
    // How its inferences use the device.
    virtual ComputeSummary compute_summary() const = 0;

    // Loads the family that recognizes the folder. Throws Error: MODEL_NOT_FOUND,
    // UNSUPPORTED_MODEL (unknown family, missing or broken file, naming it), INVALID_ARGUMENT (device).
    static std::shared_ptr<const TtsModel> load(const std::filesystem::path& dir, const CompileOptions& options);

    // Every family load() knows: how each recognizes its folder.
    static std::vector<ModelFamily> families();
};

}  // namespace ovspeech::tts
