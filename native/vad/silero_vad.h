#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <vector>

#include <openvino/runtime/compiled_model.hpp>
#include <openvino/runtime/infer_request.hpp>

#include "common/cancellation.h"
#include "common/compute_summary.h"
#include "common/model_family.h"
#include "vad/speech_segmenter.h"

namespace ovspeech::vad {

// Silero VAD as the silero-vad package ships it for whole sequences of frames
// (silero_vad_16k_sequence.onnx): each row of its input is a 32 ms frame at 16 kHz after the last 64
// samples of the frame before, its LSTM state goes in and out as h and c, and one call gives the speech
// probability of every row. Its probabilities equal the package's one-frame model's (within 5e-7 at
// f32), at a fifth of the time for a file.
class SileroVadModel {
public:
    static constexpr const char* kOnnxFile = "silero_vad_16k_sequence.onnx";

    // Always on the CPU, in f32, one thread per inference and `streams` inferences side by side: a small
    // model (300k weights) whose frames depend on each other through the LSTM. Throws
    // Error(UNSUPPORTED_MODEL) for a file without Silero's inputs and outputs.
    static std::shared_ptr<const SileroVadModel> load(const std::filesystem::path& dir, int streams);

    // Speech probabilities of a stream of audio at 16 kHz, frame by frame as the audio arrives.
    class Stream {
    public:
        explicit Stream(const SileroVadModel& model);

        // Takes the next samples; returns the probabilities of the frames they complete.
        std::vector<float> push(const float* samples, size_t count);
        // Ends the audio: the probability of its last, partial frame padded with silence, if it has one.
        std::vector<float> finish();
        // Starts a new stream of audio on the same infer request.
        void reset();

    private:
        std::vector<float> infer(size_t frames);

        ov::InferRequest request_;
        std::vector<float> pending_;  // samples of the frame not yet complete
        std::vector<float> rows_;     // the input being built: context and frame, row by row
        std::array<float, 64> context_{};
        ov::Tensor h_;
        ov::Tensor c_;
    };

    // A worker's session (addon/load_model_worker.h): a stream, reset for each job.
    std::unique_ptr<Stream> create_session() const { return std::make_unique<Stream>(*this); }
    ComputeSummary compute_summary() const { return {"CPU", "f32", 1, 0}; }

private:
    // create_infer_request is thread-safe but not const in OpenVINO's API.
    mutable ov::CompiledModel compiled_;
};

// The speech probability of every frame of `samples` (16 kHz), the last one padded with silence, from
// the start of a new stream. Throws Error(CANCELLED) between blocks of frames once `cancellation` is set.
std::vector<float> speech_probabilities(SileroVadModel::Stream& stream, const std::vector<float>& samples,
                                        const CancellationFlag& cancellation);

// The family of Silero VAD folders: a folder with SileroVadModel::kOnnxFile.
ModelFamily model_family();

}  // namespace ovspeech::vad
