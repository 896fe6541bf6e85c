#pragma once

#include <memory>
#include <string>

#include "common/lane_variants.h"
#include "scheduler/compute_gate.h"
#include "tts/piper_phonemes.h"
#include "tts/tts_model.h"

namespace ovspeech::tts {

// A Piper voice as Piper ships it: a VITS model `<voice>.onnx` beside `<voice>.onnx.json` (phoneme_id_map,
// audio.sample_rate, inference scales, espeak.voice, speakers), read by OpenVINO as it is. Text becomes
// phonemes through the espeak-ng program and phonemes become ids through phoneme_id_map; one inference
// turns a unit's ids into its waveform. Its inferences pass the model's gate: alone on every core, side by
// side in two lanes under load (scheduler/compute_gate.h).
class PiperModel : public TtsModel {
public:
    // A folder without config.json that holds `<voice>.onnx` and `<voice>.onnx.json`.
    static ModelFamily model_family();
    // Throws Error: UNSUPPORTED_MODEL (more than one voice in the folder, a malformed .onnx.json naming
    // what, an .onnx without Piper's inputs, espeak-ng missing or without the voice's language).
    static std::shared_ptr<const PiperModel> load(const std::filesystem::path& dir, const CompileOptions& options);

    std::string family() const override { return "piper"; }
    uint32_t sample_rate() const override { return sample_rate_; }
    // One voice named after the dataset (e.g. "joe") for a single-speaker model, else its speakers by name.
    std::map<std::string, Voice> load_voices(const std::optional<std::filesystem::path>& extra_dir) const override;
    size_t max_unit_tokens() const override;
    // noise_scale, length_scale and noise_w (defaults from the .onnx.json's inference), and seed.
    const std::vector<OptionSpec>& option_specs() const override { return options_; }
    void check_option_values(const OptionValues& values) const override;
    // Speed sets length_scale: the one that gives 1/speed of the frames at the request's length_scale,
    // found by the durations model (has_durations), else length_scale / speed.
    bool controls_speed() const override { return true; }
    std::unique_ptr<TtsSession> create_session() const override;

    const PhonemeIdMap& phoneme_ids() const { return phoneme_ids_; }
    const EspeakPhonemizer& phonemizer() const { return phonemizer_; }
    int64_t num_speakers() const { return num_speakers_; }
    // Whether the graph has the one Ceiling that rounds each phoneme id's duration to whole frames, so that
    // a second model, the text encoder and duration predictor alone, gives the durations before rounding,
    // and the whole model gives them beside its audio ("durations").
    bool has_durations() const { return has_durations_; }
    ComputeSummary compute_summary() const override { return compute_summary_; }

private:
    PiperModel(PhonemeIdMap phoneme_ids, EspeakPhonemizer phonemizer)
        : phoneme_ids_(std::move(phoneme_ids)), phonemizer_(std::move(phonemizer)) {}

    std::string voice_name_;
    uint32_t sample_rate_ = 22050;
    int64_t num_speakers_ = 1;
    bool has_durations_ = false;
    std::map<std::string, int64_t> speakers_;
    std::vector<OptionSpec> options_;
    PhonemeIdMap phoneme_ids_;
    EspeakPhonemizer phonemizer_;
    LaneVariants model_;
    LaneVariants durations_model_;
    std::unique_ptr<ComputeGate> compute_;
    ComputeSummary compute_summary_;
};

}  // namespace ovspeech::tts
