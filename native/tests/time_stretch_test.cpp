#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "tests/reference_fft.h"
#include "tests/thread_cpu_clock.h"
#include "tts/time_stretch.h"

namespace {

using ovspeech::ErrorCode;
using ovspeech::tts::time_stretch;

constexpr double kPi = 3.14159265358979323846;
constexpr uint32_t kRate = 16000;
const double kSpeeds[] = {0.25, 0.5, 0.8, 1.25, 2.0, 4.0};

std::vector<float> tones(const std::vector<double>& frequencies, size_t count, double amplitude) {
    std::vector<float> samples(count);
    for (size_t i = 0; i < count; ++i) {
        double sum = 0.0;
        for (const double frequency : frequencies) {
            sum += amplitude * std::sin(2.0 * kPi * frequency * static_cast<double>(i) / kRate);
        }
        samples[i] = static_cast<float>(sum);
    }
    return samples;
}

size_t target_length(size_t count, double speed) {
    return static_cast<size_t>(std::llround(static_cast<double>(count) / speed));
}

// The middle half of the signal, away from the zeros at its ends: the longest power of two that fits.
struct MiddlePart {
    size_t first;
    size_t count;
};

MiddlePart middle_part(size_t size) {
    size_t count = 1;
    while (count * 2 <= size / 2) {
        count *= 2;
    }
    return {(size - count) / 2, count};
}

// Hann-windowed magnitude spectrum of the middle part.
std::vector<double> spectrum(const std::vector<float>& samples) {
    const MiddlePart part = middle_part(samples.size());
    const ovspeech::test::RealFft fft(part.count);
    std::vector<double> input(part.count);
    for (size_t i = 0; i < part.count; ++i) {
        const double window = 0.5 - 0.5 * std::cos(2.0 * kPi * static_cast<double>(i) / part.count);
        input[i] = window * samples[part.first + i];
    }
    std::vector<std::complex<double>> bins(fft.bins());
    std::vector<std::complex<double>> scratch;
    fft.forward(input.data(), bins.data(), scratch);
    std::vector<double> magnitudes(bins.size());
    for (size_t k = 0; k < bins.size(); ++k) {
        magnitudes[k] = std::abs(bins[k]);
    }
    return magnitudes;
}

// Frequency of the strongest bin within [low, high) Hz, refined by a parabola through the log magnitudes
// of it and its neighbours.
double peak_frequency(const std::vector<float>& samples, double low, double high) {
    const std::vector<double> magnitudes = spectrum(samples);
    const double hz_per_bin = static_cast<double>(kRate) / (2.0 * static_cast<double>(magnitudes.size() - 1));
    const auto first = static_cast<size_t>(std::ceil(low / hz_per_bin));
    const auto last = static_cast<size_t>(high / hz_per_bin);
    size_t peak = first;
    for (size_t k = first; k < last; ++k) {
        if (magnitudes[k] > magnitudes[peak]) {
            peak = k;
        }
    }
    const double left = std::log(magnitudes[peak - 1]);
    const double center = std::log(magnitudes[peak]);
    const double right = std::log(magnitudes[peak + 1]);
    const double offset = 0.5 * (left - right) / (left - 2.0 * center + right);
    return (static_cast<double>(peak) + offset) * hz_per_bin;
}

double middle_rms(const std::vector<float>& samples) {
    const MiddlePart part = middle_part(samples.size());
    double sum = 0.0;
    for (size_t i = part.first; i < part.first + part.count; ++i) {
        sum += double(samples[i]) * double(samples[i]);
    }
    return std::sqrt(sum / static_cast<double>(part.count));
}

void expect_invalid(const std::vector<float>& samples, uint32_t rate, double speed) {
    try {
        time_stretch(samples, rate, speed);
        ADD_FAILURE() << "expected InvalidArgument for rate " << rate << " and speed " << speed;
    } catch (const ovspeech::Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
        EXPECT_NE(std::string(error.what()).find(rate < 8000 || rate > 192000 ? "sample rate" : "speed"), std::string::npos)
            << error.what();
    }
}

TEST(TimeStretchTest, OutputLengthIsExactlyTheRoundedTarget) {
    std::mt19937 random(7);
    std::normal_distribution<float> noise(0.0f, 0.1f);
    for (const size_t count : {size_t{480}, size_t{4801}, size_t{16000 * 3 + 17}}) {
        std::vector<float> samples(count);
        for (float& sample : samples) {
            sample = noise(random);
        }
        for (const double speed : kSpeeds) {
            const size_t target = target_length(count, speed);
            const auto stretched = time_stretch(samples, kRate, speed);
            EXPECT_EQ(stretched.size(), target) << count << " samples at speed " << speed;
            std::cout << "[ figures  ] " << count << " samples at speed " << speed << ": " << stretched.size()
                      << " samples for a target of " << target << " (error "
                      << 100.0 * (static_cast<double>(stretched.size()) - static_cast<double>(target)) / static_cast<double>(target)
                      << "%)\n";
        }
    }
}

TEST(TimeStretchTest, OutputLengthAtOtherSampleRates) {
    for (const uint32_t rate : {8000u, 22050u, 24000u, 44100u, 48000u, 192000u}) {
        const std::vector<float> samples(rate, 0.25f);
        for (const double speed : kSpeeds) {
            EXPECT_EQ(time_stretch(samples, rate, speed).size(), target_length(samples.size(), speed)) << rate << " Hz at speed " << speed;
        }
    }
}

TEST(TimeStretchTest, KeepsThePitchOfASine) {
    for (const double frequency : {440.0, 200.0}) {
        const auto original = tones({frequency}, 4 * kRate, 0.5);
        const double original_peak = peak_frequency(original, 50.0, 2000.0);
        ASSERT_NEAR(original_peak, frequency, 0.001 * frequency);
        for (const double speed : kSpeeds) {
            const auto stretched = time_stretch(original, kRate, speed);
            const double peak = peak_frequency(stretched, 50.0, 2000.0);
            const double error = (peak - original_peak) / original_peak;
            std::cout << "[ figures  ] " << frequency << " Hz at speed " << speed << ": " << peak << " Hz (error " << 100.0 * error
                      << "%)\n";
            EXPECT_LT(std::abs(error), 0.01) << frequency << " Hz at speed " << speed;
        }
    }
}

TEST(TimeStretchTest, KeepsBothPeaksOfATwoToneSignal) {
    const auto original = tones({300.0, 800.0}, 4 * kRate, 0.3);
    for (const double speed : kSpeeds) {
        const auto stretched = time_stretch(original, kRate, speed);
        const double low = peak_frequency(stretched, 100.0, 550.0);
        const double high = peak_frequency(stretched, 550.0, 2000.0);
        std::cout << "[ figures  ] 300 + 800 Hz at speed " << speed << ": " << low << " Hz and " << high << " Hz\n";
        EXPECT_NEAR(low, 300.0, 3.0) << "speed " << speed;
        EXPECT_NEAR(high, 800.0, 8.0) << "speed " << speed;

        // Both tones keep their level: the spectrum has no third peak as strong as either of them.
        const std::vector<double> magnitudes = spectrum(stretched);
        const double hz_per_bin = static_cast<double>(kRate) / (2.0 * static_cast<double>(magnitudes.size() - 1));
        const auto bin = [&](double hz) { return static_cast<size_t>(std::lround(hz / hz_per_bin)); };
        const double low_level = magnitudes[bin(low)];
        const double high_level = magnitudes[bin(high)];
        EXPECT_NEAR(low_level / high_level, 1.0, 0.2) << "speed " << speed;
        double elsewhere = 0.0;
        for (size_t k = 0; k < magnitudes.size(); ++k) {
            if (std::abs(static_cast<double>(k) - static_cast<double>(bin(low))) > 10 &&
                std::abs(static_cast<double>(k) - static_cast<double>(bin(high))) > 10) {
                elsewhere = std::max(elsewhere, magnitudes[k]);
            }
        }
        EXPECT_LT(elsewhere, 0.1 * std::min(low_level, high_level)) << "speed " << speed;
    }
}

TEST(TimeStretchTest, KeepsTheAmplitudeOfASteadyTone) {
    const auto original = tones({440.0}, 4 * kRate, 0.5);
    const double original_rms = middle_rms(original);
    for (const double speed : kSpeeds) {
        const double ratio = middle_rms(time_stretch(original, kRate, speed)) / original_rms;
        std::cout << "[ figures  ] RMS ratio at speed " << speed << ": " << ratio << "\n";
        EXPECT_NEAR(ratio, 1.0, 0.1) << "speed " << speed;
    }
}

TEST(TimeStretchTest, SpeedOneIsABitExactCopy) {
    std::vector<float> samples = tones({440.0}, kRate, 0.5);
    samples[3] = std::numeric_limits<float>::denorm_min();
    samples[5] = -0.0f;
    const auto copy = time_stretch(samples, kRate, 1.0);
    ASSERT_EQ(copy.size(), samples.size());
    EXPECT_EQ(std::memcmp(copy.data(), samples.data(), samples.size() * sizeof(float)), 0);
}

TEST(TimeStretchTest, RejectsSpeedsAndSampleRatesOutOfRange) {
    const std::vector<float> samples(1000, 0.1f);
    for (const double speed :
         {0.0, 0.2499, 4.0001, -1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
        expect_invalid(samples, kRate, speed);
    }
    for (const uint32_t rate : {0u, 7999u, 192001u}) {
        expect_invalid(samples, rate, 1.0);
    }
    EXPECT_NO_THROW(time_stretch(samples, 8000, 0.25));
    EXPECT_NO_THROW(time_stretch(samples, 192000, 4.0));
}

TEST(TimeStretchTest, EmptyInputGivesEmptyOutput) {
    for (const double speed : kSpeeds) {
        EXPECT_TRUE(time_stretch({}, kRate, speed).empty());
    }
}

TEST(TimeStretchTest, InputShorterThanAFrameIsCutOrPaddedWithSilence) {
    // One frame is 30 ms: 480 samples at 16 kHz.
    const auto short_clip = tones({440.0}, 400, 0.5);
    const auto slower = time_stretch(short_clip, kRate, 0.5);
    ASSERT_EQ(slower.size(), 800u);
    EXPECT_TRUE(std::equal(short_clip.begin(), short_clip.end(), slower.begin()));
    EXPECT_TRUE(std::all_of(slower.begin() + 400, slower.end(), [](float sample) { return sample == 0.0f; }));

    const auto faster = time_stretch(short_clip, kRate, 4.0);
    ASSERT_EQ(faster.size(), 100u);
    EXPECT_TRUE(std::equal(faster.begin(), faster.end(), short_clip.begin()));

    EXPECT_EQ(time_stretch({0.5f}, kRate, 4.0).size(), 0u) << "round(1 / 4) samples";
    EXPECT_EQ(time_stretch({0.5f}, kRate, 0.25).size(), 4u);
}

TEST(TimeStretchTest, ThirtySecondsAtSixteenKilohertzTakesWellUnderATenthOfASecond) {
    std::mt19937 random(11);
    std::normal_distribution<float> noise(0.0f, 0.05f);
    // Speech-like: a 120 Hz buzz whose harmonics fade, plus noise.
    auto clip = tones({120.0, 240.0, 360.0, 480.0}, 30 * kRate, 0.1);
    for (float& sample : clip) {
        sample += noise(random);
    }
    for (const double speed : {0.5, 2.0}) {
        double best_seconds = 1e9;
        for (int run = 0; run < 3; ++run) {
            const double start = ovspeech::test::thread_cpu_seconds();
            const auto stretched = time_stretch(clip, kRate, speed);
            best_seconds = std::min(best_seconds, ovspeech::test::thread_cpu_seconds() - start);
            EXPECT_EQ(stretched.size(), target_length(clip.size(), speed));
        }
        std::cout << "[ figures  ] 30 s at 16 kHz, speed " << speed << ": CPU time " << best_seconds * 1000.0 << " ms\n";
        EXPECT_LT(best_seconds, 0.1) << "speed " << speed;
    }
}

}  // namespace
