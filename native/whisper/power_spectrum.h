#pragma once

#include <cstddef>
#include <vector>

namespace ovspeech::whisper {

// |X[k]|^2 of a real frame, in float, in the order of operations of OpenVINO GenAI's Whisper feature
// extractor, so that ovspeech's log-mel features equal GenAI's bit for bit: the CPU plugin runs the
// encoder in bf16 where the CPU has it, and there a last-bit difference in the features is enough to
// flip a near-tie of the decoder (it did on 11 of the 222 clips of the accuracy suite).
//
// The transform is radix-2 decimation in time, halving the length while it is even, then a direct DFT of
// the odd length left (25 for Whisper's 400). Every twiddle factor is read from one table of
// sinf/cosf(2 pi j / size). Each output is a fixed sequence of float operations, so a compiler that keeps
// IEEE float semantics (no -ffast-math, no FMA contraction: see CMakeLists.txt) gives the same bits.
// Immutable after construction: one instance serves any number of threads.
class PowerSpectrum {
public:
    explicit PowerSpectrum(size_t size);

    size_t size() const { return size_; }
    size_t bins() const { return size_ / 2 + 1; }

    // Per-thread buffers of compute(), sized on first use.
    struct Scratch {
        std::vector<float> spectrum;  // size() complex values as (re, im) pairs
        std::vector<float> temporary;
    };

    // Writes bins() values, re * re + im * im, of the DFT of `frame` (size() real values) to `power`.
    void compute(const float* frame, float* power, Scratch& scratch) const;

private:
    // The DFT of the `length` values frame[0], frame[stride], ... into `out`, with `temporary` (length
    // complex values) for the two halves.
    void transform(const float* frame, size_t stride, size_t length, float* out, float* temporary) const;
    void odd_dft(const float* frame, size_t stride, float* out) const;

    size_t size_;
    size_t odd_length_;                     // size_ with every factor 2 divided out
    std::vector<float> sin_, cos_;          // of 2 pi j / size_, j in [0, size_)
    std::vector<float> odd_sin_, odd_cos_;  // the odd DFT's factors, [n * odd_length_ + k] for input n, output k
};

}  // namespace ovspeech::whisper
