#pragma once

#include <complex>
#include <cstddef>
#include <vector>

namespace ovspeech::test {

// A double-precision FFT for the tests' spectral measurements, and the exact reference the feature
// extractor's float power spectrum (whisper/power_spectrum.h) is checked against.

// Mixed-radix complex FFT (self-sorting Stockham passes) of any length: radix 2, 3, 4 and 5 butterflies,
// and a direct butterfly for larger prime factors, whose cost grows with the factor. A plan is immutable,
// so one plan serves any number of threads; the caller owns the buffers.
class ComplexFft {
public:
    explicit ComplexFft(size_t size);

    size_t size() const { return size_; }

    // Forward transform, X[k] = sum_j x[j] e^(-2 pi i j k / n), in place. `scratch` holds size() values.
    void forward(std::complex<double>* data, std::complex<double>* scratch) const;

private:
    size_t size_;
    std::vector<size_t> radices_;
    std::vector<std::complex<double>> twiddles_;  // e^(-2 pi i k / n) for k in [0, n)
};

// FFT of real input, returning the n / 2 + 1 non-redundant bins. An even length runs as a complex FFT of
// half the length on the samples packed in pairs.
class RealFft {
public:
    explicit RealFft(size_t size);

    size_t size() const { return size_; }
    size_t bins() const { return size_ / 2 + 1; }

    // Writes bins() values to `spectrum`. `scratch` is resized as needed: reuse it across calls.
    void forward(const double* input, std::complex<double>* spectrum, std::vector<std::complex<double>>& scratch) const;

private:
    size_t size_;
    ComplexFft complex_fft_;                            // of size / 2 when size is even, else of size
    std::vector<std::complex<double>> split_twiddles_;  // e^(-2 pi i k / n) for k in [0, n / 2]
};

}  // namespace ovspeech::test
