#include "whisper/power_spectrum.h"

#include <cmath>

#include "common/error.h"

namespace ovspeech::whisper {

namespace {

constexpr double kPi = 3.14159265358979323846;

}  // namespace

PowerSpectrum::PowerSpectrum(size_t size) : size_(size), odd_length_(size), sin_(size), cos_(size) {
    if (size == 0) throw Error(ErrorCode::InvalidArgument, "power spectrum size must be at least 1");
    while (odd_length_ % 2 == 0) odd_length_ /= 2;
    for (size_t j = 0; j < size_; ++j) {
        // The angle in double, then sinf/cosf of it rounded to float, as GenAI fills its table.
        const auto angle = static_cast<float>(2.0 * kPi * static_cast<double>(j) / static_cast<double>(size_));
        sin_[j] = std::sin(angle);
        cos_[j] = std::cos(angle);
    }
    const size_t step = size_ / odd_length_;
    odd_sin_.resize(odd_length_ * odd_length_);
    odd_cos_.resize(odd_length_ * odd_length_);
    for (size_t n = 0; n < odd_length_; ++n) {
        for (size_t k = 0; k < odd_length_; ++k) {
            odd_sin_[n * odd_length_ + k] = sin_[(k * n * step) % size_];
            odd_cos_[n * odd_length_ + k] = cos_[(k * n * step) % size_];
        }
    }
}

void PowerSpectrum::compute(const float* frame, float* power, Scratch& scratch) const {
    scratch.spectrum.resize(2 * size_);
    scratch.temporary.resize(2 * size_);
    transform(frame, 1, size_, scratch.spectrum.data(), scratch.temporary.data());
    const float* spectrum = scratch.spectrum.data();
    for (size_t k = 0; k < bins(); ++k) {
        power[k] = spectrum[2 * k] * spectrum[2 * k] + spectrum[2 * k + 1] * spectrum[2 * k + 1];
    }
}

void PowerSpectrum::transform(const float* frame, size_t stride, size_t length, float* out, float* temporary) const {
    if (length == 1) {
        out[0] = frame[0];
        out[1] = 0.0f;
        return;
    }
    if (length % 2 == 1) {
        odd_dft(frame, stride, out);
        return;
    }
    const size_t half = length / 2;
    float* even = temporary;
    float* odd = temporary + 2 * half;
    // Each half's own temporary is the half of `out` it will not write yet.
    transform(frame, 2 * stride, half, even, out);
    transform(frame + stride, 2 * stride, half, odd, out + 2 * half);
    const size_t step = size_ / length;
    for (size_t k = 0; k < half; ++k) {
        const float w_re = cos_[k * step];
        const float w_im = -sin_[k * step];
        const float e_re = even[2 * k], e_im = even[2 * k + 1];
        const float o_re = odd[2 * k], o_im = odd[2 * k + 1];
        out[2 * k] = e_re + w_re * o_re - w_im * o_im;
        out[2 * k + 1] = e_im + w_re * o_im + w_im * o_re;
        out[2 * (k + half)] = e_re - w_re * o_re + w_im * o_im;
        out[2 * (k + half) + 1] = e_im - w_re * o_im - w_im * o_re;
    }
}

void PowerSpectrum::odd_dft(const float* frame, size_t stride, float* out) const {
    const size_t n_max = odd_length_;
    for (size_t k = 0; k < 2 * n_max; ++k) out[k] = 0.0f;
    // Every output sums its terms in input order; the loop over outputs is innermost only for speed.
    for (size_t n = 0; n < n_max; ++n) {
        const float x = frame[n * stride];
        const float* cos_row = &odd_cos_[n * n_max];
        const float* sin_row = &odd_sin_[n * n_max];
        for (size_t k = 0; k < n_max; ++k) {
            out[2 * k] += x * cos_row[k];
            out[2 * k + 1] -= x * sin_row[k];
        }
    }
}

}  // namespace ovspeech::whisper
