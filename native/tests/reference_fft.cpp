#include "tests/reference_fft.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace ovspeech::test {

namespace {

using Complex = std::complex<double>;

constexpr double kPi = 3.14159265358979323846;
constexpr double kSin60 = 0.86602540378443864676;    // sin(2 pi / 3)
constexpr double kCos72 = 0.30901699437494742410;    // cos(2 pi / 5)
constexpr double kCos144 = -0.80901699437494742410;  // cos(4 pi / 5)
constexpr double kSin72 = 0.95105651629515357212;    // sin(2 pi / 5)
constexpr double kSin144 = 0.58778525229247312917;   // sin(4 pi / 5)

// Radix 4 first: it needs the fewest multiplications per sample.
std::vector<size_t> factorize(size_t n) {
    std::vector<size_t> radices;
    while (n % 4 == 0) {
        radices.push_back(4);
        n /= 4;
    }
    for (size_t p = 2; p * p <= n; ++p) {
        while (n % p == 0) {
            radices.push_back(p);
            n /= p;
        }
    }
    if (n > 1) {
        radices.push_back(n);
    }
    return radices;
}

// Multiplication by -i, the forward transform's quarter turn.
Complex times_minus_i(Complex z) {
    return {z.imag(), -z.real()};
}

// One Stockham pass. The input holds `radix * stride` interleaved sub-transforms of length `sub_length`
// (element k of sequence s at [k * radix * stride + s]); the output holds `stride` sub-transforms of
// length `radix * sub_length`, combined from sequences s, s + stride, ..., in natural order.
class Pass {
public:
    Pass(const std::vector<Complex>& twiddles, size_t radix, size_t sub_length)
        : twiddles_(twiddles), n_(twiddles.size()), radix_(radix), sub_length_(sub_length), stride_(n_ / (radix * sub_length)) {}

    void run(const Complex* in, Complex* out) const {
        for (size_t k = 0; k < sub_length_; ++k) {
            const Complex* src = in + k * radix_ * stride_;
            Complex* dst = out + k * stride_;
            switch (radix_) {
                case 2:
                    radix2(src, dst, k);
                    break;
                case 3:
                    radix3(src, dst, k);
                    break;
                case 4:
                    radix4(src, dst, k);
                    break;
                case 5:
                    radix5(src, dst, k);
                    break;
                default:
                    generic(src, dst, k);
                    break;
            }
        }
    }

private:
    // Input r of a butterfly, rotated by W_(radix * sub_length)^(r k).
    Complex input(const Complex* src, size_t j, size_t r, size_t k) const { return src[j + r * stride_] * twiddles_[r * k * stride_]; }

    size_t out_step() const { return sub_length_ * stride_; }

    void radix2(const Complex* src, Complex* dst, size_t k) const {
        const size_t step = out_step();
        for (size_t j = 0; j < stride_; ++j) {
            const Complex a0 = src[j];
            const Complex a1 = input(src, j, 1, k);
            dst[j] = a0 + a1;
            dst[j + step] = a0 - a1;
        }
    }

    void radix3(const Complex* src, Complex* dst, size_t k) const {
        const size_t step = out_step();
        for (size_t j = 0; j < stride_; ++j) {
            const Complex a0 = src[j];
            const Complex a1 = input(src, j, 1, k);
            const Complex a2 = input(src, j, 2, k);
            const Complex sum = a1 + a2;
            const Complex mid = a0 - 0.5 * sum;
            const Complex rotated = times_minus_i(kSin60 * (a1 - a2));
            dst[j] = a0 + sum;
            dst[j + step] = mid + rotated;
            dst[j + 2 * step] = mid - rotated;
        }
    }

    void radix4(const Complex* src, Complex* dst, size_t k) const {
        const size_t step = out_step();
        for (size_t j = 0; j < stride_; ++j) {
            const Complex a0 = src[j];
            const Complex a1 = input(src, j, 1, k);
            const Complex a2 = input(src, j, 2, k);
            const Complex a3 = input(src, j, 3, k);
            const Complex even_sum = a0 + a2;
            const Complex even_diff = a0 - a2;
            const Complex odd_sum = a1 + a3;
            const Complex odd_diff = times_minus_i(a1 - a3);
            dst[j] = even_sum + odd_sum;
            dst[j + step] = even_diff + odd_diff;
            dst[j + 2 * step] = even_sum - odd_sum;
            dst[j + 3 * step] = even_diff - odd_diff;
        }
    }

    void radix5(const Complex* src, Complex* dst, size_t k) const {
        const size_t step = out_step();
        for (size_t j = 0; j < stride_; ++j) {
            const Complex a0 = src[j];
            const Complex a1 = input(src, j, 1, k);
            const Complex a2 = input(src, j, 2, k);
            const Complex a3 = input(src, j, 3, k);
            const Complex a4 = input(src, j, 4, k);
            const Complex sum14 = a1 + a4;
            const Complex sum23 = a2 + a3;
            const Complex diff14 = a1 - a4;
            const Complex diff23 = a2 - a3;
            const Complex real1 = a0 + kCos72 * sum14 + kCos144 * sum23;
            const Complex real2 = a0 + kCos144 * sum14 + kCos72 * sum23;
            const Complex imag1 = times_minus_i(kSin72 * diff14 + kSin144 * diff23);
            const Complex imag2 = times_minus_i(kSin144 * diff14 - kSin72 * diff23);
            dst[j] = a0 + sum14 + sum23;
            dst[j + step] = real1 + imag1;
            dst[j + 2 * step] = real2 + imag2;
            dst[j + 3 * step] = real2 - imag2;
            dst[j + 4 * step] = real1 - imag1;
        }
    }

    // Direct DFT of the butterfly: output q takes W_n^(r (k stride + q n / radix)) for input r.
    void generic(const Complex* src, Complex* dst, size_t k) const {
        const size_t step = out_step();
        for (size_t q = 0; q < radix_; ++q) {
            const size_t angle_step = (k * stride_ + q * (n_ / radix_)) % n_;
            for (size_t j = 0; j < stride_; ++j) {
                Complex sum = src[j];
                size_t angle = 0;
                for (size_t r = 1; r < radix_; ++r) {
                    angle += angle_step;
                    if (angle >= n_) {
                        angle -= n_;
                    }
                    sum += src[j + r * stride_] * twiddles_[angle];
                }
                dst[j + q * step] = sum;
            }
        }
    }

    const std::vector<Complex>& twiddles_;
    size_t n_;
    size_t radix_;
    size_t sub_length_;
    size_t stride_;
};

std::vector<Complex> unit_roots(size_t count, size_t n) {
    std::vector<Complex> roots(count);
    for (size_t k = 0; k < count; ++k) {
        const double angle = -2.0 * kPi * static_cast<double>(k) / static_cast<double>(n);
        roots[k] = {std::cos(angle), std::sin(angle)};
    }
    return roots;
}

}  // namespace

ComplexFft::ComplexFft(size_t size) : size_(size) {
    if (size == 0) {
        throw Error(ErrorCode::InvalidArgument, "FFT size must be at least 1");
    }
    radices_ = factorize(size);
    twiddles_ = unit_roots(size, size);
}

void ComplexFft::forward(Complex* data, Complex* scratch) const {
    Complex* in = data;
    Complex* out = scratch;
    size_t sub_length = 1;
    for (size_t radix : radices_) {
        Pass(twiddles_, radix, sub_length).run(in, out);
        std::swap(in, out);
        sub_length *= radix;
    }
    if (in != data) {
        std::copy(in, in + size_, data);
    }
}

RealFft::RealFft(size_t size)
    : size_(size), complex_fft_(size % 2 == 0 && size > 0 ? size / 2 : size), split_twiddles_(unit_roots(size / 2 + 1, size)) {}

void RealFft::forward(const double* input, Complex* spectrum, std::vector<Complex>& scratch) const {
    if (size_ % 2 != 0) {
        scratch.resize(2 * size_);
        for (size_t j = 0; j < size_; ++j) {
            scratch[j] = input[j];
        }
        complex_fft_.forward(scratch.data(), scratch.data() + size_);
        std::copy(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(bins()), spectrum);
        return;
    }
    // z[j] = x[2j] + i x[2j+1]; Z splits into the spectra of the even (E) and odd (O) samples, and
    // X[k] = E[k] + W_n^k O[k].
    const size_t half = size_ / 2;
    scratch.resize(size_);
    Complex* packed = scratch.data();
    for (size_t j = 0; j < half; ++j) {
        packed[j] = {input[2 * j], input[2 * j + 1]};
    }
    complex_fft_.forward(packed, scratch.data() + half);
    for (size_t k = 0; k <= half; ++k) {
        const Complex z = packed[k % half];
        const Complex z_mirror = std::conj(packed[(half - k) % half]);
        const Complex even = 0.5 * (z + z_mirror);
        const Complex odd = times_minus_i(0.5 * (z - z_mirror));
        spectrum[k] = even + split_twiddles_[k] * odd;
    }
}

}  // namespace ovspeech::test
