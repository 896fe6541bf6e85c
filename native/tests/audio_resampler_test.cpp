#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/audio_resampler.h"
#include "common/error.h"
#include "tests/reference_fft.h"
#include "tests/thread_cpu_clock.h"
#include "tests/wav_file.h"
#include "whisper/feature_extractor.h"

namespace fs = std::filesystem;
using ovspeech::AudioResampler;
using ovspeech::ErrorCode;
using ovspeech::to_mono;

namespace {

const fs::path kFixtures = fs::path(OVSPEECH_SOURCE_DIR) / "test" / "fixtures";
constexpr double kPi = 3.14159265358979323846;

std::vector<float> sine(double frequency, uint32_t rate, size_t count, double amplitude) {
    std::vector<float> samples(count);
    for (size_t i = 0; i < count; ++i) {
        samples[i] = static_cast<float>(amplitude * std::sin(2.0 * kPi * frequency * static_cast<double>(i) / rate));
    }
    return samples;
}

// The magnitude spectrum of `count` samples from `first` on, scaled so that a sine of amplitude A that
// completes a whole number of cycles reads A in its bin.
std::vector<double> amplitude_spectrum(const std::vector<float>& samples, size_t first, size_t count) {
    const ovspeech::test::RealFft fft(count);
    std::vector<double> input(samples.begin() + static_cast<std::ptrdiff_t>(first),
                              samples.begin() + static_cast<std::ptrdiff_t>(first + count));
    std::vector<std::complex<double>> spectrum(fft.bins());
    std::vector<std::complex<double>> scratch;
    fft.forward(input.data(), spectrum.data(), scratch);
    std::vector<double> amplitudes(fft.bins());
    for (size_t k = 0; k < amplitudes.size(); ++k) {
        amplitudes[k] = 2.0 * std::abs(spectrum[k]) / static_cast<double>(count);
    }
    return amplitudes;
}

double rms(const std::vector<float>& samples, size_t first, size_t count) {
    double sum = 0.0;
    for (size_t i = first; i < first + count; ++i) {
        sum += double(samples[i]) * double(samples[i]);
    }
    return std::sqrt(sum / static_cast<double>(count));
}

double decibels(double ratio) {
    return 20.0 * std::log10(ratio);
}

ovspeech::test::WavFile read_clip(const std::string& name) {
    return ovspeech::test::read_wav(kFixtures / "audio" / name);
}

std::vector<float> clip_at_16k(const std::string& name) {
    const auto wav = read_clip(name);
    return to_mono(wav.samples.data(), wav.samples.size(), wav.channels, wav.sample_rate, 16000);
}

ovspeech::whisper::WhisperFeatures features_of(const std::vector<float>& samples_16k) {
    static const ovspeech::whisper::WhisperFeatureExtractor extractor{ovspeech::whisper::FeatureExtractorConfig{}};
    return extractor.extract(samples_16k);
}

// Max |a - b| over the mel bins [0, bins) of two feature sets of the same shape.
double max_difference(const ovspeech::whisper::WhisperFeatures& a, const ovspeech::whisper::WhisperFeatures& b, size_t bins) {
    EXPECT_EQ(a.n_frames, b.n_frames);
    double result = 0.0;
    for (size_t i = 0; i < bins * a.n_frames; ++i) {
        result = std::max(result, std::abs(double(a.data[i]) - double(b.data[i])));
    }
    return result;
}

template <typename Function>
void expect_invalid_argument(Function&& function, const std::string& expected_message_part) {
    try {
        function();
        ADD_FAILURE() << "no error for: " << expected_message_part;
    } catch (const ovspeech::Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << e.what();
        EXPECT_NE(std::string(e.what()).find(expected_message_part), std::string::npos) << "message: " << e.what();
    }
}

// --- Tones -------------------------------------------------------------------------------------------

struct RatePair {
    uint32_t from;
    uint32_t to;
};

std::string rate_pair_name(const testing::TestParamInfo<RatePair>& info) {
    return std::to_string(info.param.from) + "_to_" + std::to_string(info.param.to);
}

class ResamplerTone : public testing::TestWithParam<RatePair> {};

// A 1 kHz tone keeps its frequency and amplitude, and whatever else comes out (aliases, images, filter
// noise) is at least 60 dB below it. 44056 Hz has 2000 phases to 16 kHz: it runs the interpolated taps.
TEST_P(ResamplerTone, KeepsAOneKilohertzToneAndAddsNothing) {
    const auto [from, to] = GetParam();
    const AudioResampler resampler(from, to);
    const auto input = sine(1000.0, from, 2 * size_t{from}, 0.5);
    const auto output = resampler.resample(input.data(), input.size());
    ASSERT_EQ(output.size(), 2 * size_t{to});

    // One second from the middle: 1 Hz bins, and exactly 1000 cycles of the tone.
    const auto amplitudes = amplitude_spectrum(output, to / 2, to);
    const auto peak = std::max_element(amplitudes.begin(), amplitudes.end()) - amplitudes.begin();
    EXPECT_EQ(peak, 1000);
    EXPECT_NEAR(amplitudes[1000], 0.5, 0.005);
    double spurious_power = 0.0;
    for (size_t k = 0; k < amplitudes.size(); ++k) {
        spurious_power += k == 1000 ? 0.0 : amplitudes[k] * amplitudes[k];
    }
    const double spurious_db = decibels(std::sqrt(spurious_power) / amplitudes[1000]);
    std::cout << "[ figures  ] " << from << " -> " << to << " Hz: 1 kHz amplitude " << amplitudes[1000] << ", everything else "
              << spurious_db << " dB\n";
    EXPECT_LT(spurious_db, -60.0);
}

INSTANTIATE_TEST_SUITE_P(AudioResampler, ResamplerTone,
                         testing::Values(RatePair{8000, 16000}, RatePair{22050, 16000}, RatePair{44100, 16000}, RatePair{48000, 16000},
                                         RatePair{96000, 16000}, RatePair{44056, 16000}, RatePair{16000, 44100}, RatePair{16000, 48000}),
                         rate_pair_name);

class ResamplerAlias : public testing::TestWithParam<RatePair> {};

// Tones above the 8 kHz Nyquist frequency of 16 kHz, just above it and well above it, must not fold back
// into the band (as 7.9 kHz and 6 kHz).
TEST_P(ResamplerAlias, RemovesTonesAboveTheTargetNyquist) {
    const auto [from, to] = GetParam();
    for (const double tone : {8100.0, 10000.0}) {
        const auto input = sine(tone, from, 2 * size_t{from}, 0.5);
        const auto output = AudioResampler(from, to).resample(input.data(), input.size());
        const double attenuation_db = decibels(rms(output, to / 2, to) / rms(input, from / 2, from));
        std::cout << "[ figures  ] " << tone << " Hz tone, " << from << " -> " << to << " Hz: " << attenuation_db << " dB\n";
        EXPECT_LT(attenuation_db, -60.0) << tone << " Hz";
    }
}

INSTANTIATE_TEST_SUITE_P(AudioResampler, ResamplerAlias,
                         testing::Values(RatePair{22050, 16000}, RatePair{44100, 16000}, RatePair{48000, 16000}, RatePair{96000, 16000},
                                         RatePair{44056, 16000}),
                         rate_pair_name);

// The kernel is centered on each output instant: output n is the band-limited input at n / to_rate.
TEST(AudioResampler, HasNoDelayOrPhaseShift) {
    const auto signal = [](double t) { return 0.4 * std::sin(2.0 * kPi * 100.0 * t) + 0.3 * std::cos(2.0 * kPi * 2500.0 * t); };
    for (const auto& [from, to] : {RatePair{44100, 16000}, RatePair{48000, 16000}, RatePair{8000, 16000}, RatePair{44056, 16000}}) {
        std::vector<float> input(from);
        for (size_t i = 0; i < input.size(); ++i) {
            input[i] = static_cast<float>(signal(static_cast<double>(i) / from));
        }
        const auto output = AudioResampler(from, to).resample(input.data(), input.size());
        double error = 0.0;
        for (size_t n = to / 4; n < 3 * size_t{to} / 4; ++n) {
            error = std::max(error, std::abs(output[n] - signal(static_cast<double>(n) / to)));
        }
        EXPECT_LT(error, 1e-4) << from << " -> " << to;
    }
}

TEST(AudioResampler, OutputLengthIsTheRoundedRatio) {
    struct Case {
        size_t count;
        uint32_t from;
        uint32_t to;
        size_t expected;
    };
    for (const auto& c : {Case{44100, 44100, 16000, 16000}, Case{1000, 44100, 16000, 363},  // 362.81
                          Case{1001, 44100, 16000, 363},                                    // 363.17
                          Case{3, 48000, 16000, 1}, Case{1, 32000, 16000, 1},               // 0.5 rounds up
                          Case{1, 44100, 16000, 0}, Case{12345, 8000, 16000, 24690}, Case{7, 22050, 16000, 5},
                          Case{10, 16000, 44100, 28}}) {  // 5.08, 27.56
        const AudioResampler resampler(c.from, c.to);
        EXPECT_EQ(resampler.output_length(c.count), c.expected) << c.count << " at " << c.from << " -> " << c.to;
        const std::vector<float> input(c.count, 0.25f);
        EXPECT_EQ(resampler.resample(input.data(), input.size()).size(), c.expected);
    }
}

TEST(AudioResampler, EqualRatesCopyBitExactly) {
    std::mt19937 random(1);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> input(10007);
    for (auto& sample : input) {
        sample = uniform(random);
    }
    const auto copied = AudioResampler(22050, 22050).resample(input.data(), input.size());
    ASSERT_EQ(copied.size(), input.size());
    EXPECT_EQ(std::memcmp(copied.data(), input.data(), input.size() * sizeof(float)), 0);
    const auto mono = to_mono(input.data(), input.size(), 1, 16000, 16000);
    ASSERT_EQ(mono.size(), input.size());
    EXPECT_EQ(std::memcmp(mono.data(), input.data(), input.size() * sizeof(float)), 0);
}

TEST(ToMono, AveragesTheChannels) {
    const std::vector<float> three_channels = {0.3f, -0.6f, 0.9f, 1.0f, 1.0f, 0.4f, 0.0f, 0.0f, -0.3f};
    const auto mono = to_mono(three_channels.data(), three_channels.size(), 3, 16000, 16000);
    ASSERT_EQ(mono.size(), 3u);
    EXPECT_FLOAT_EQ(mono[0], 0.2f);
    EXPECT_FLOAT_EQ(mono[1], 0.8f);
    EXPECT_FLOAT_EQ(mono[2], -0.1f);

    // The stereo fixture's right channel is 0.8 of its left one: the mix is 0.9 of the left.
    const auto stereo = read_clip("en_5s_44k_stereo.wav");
    ASSERT_EQ(stereo.channels, 2u);
    const auto mixed = to_mono(stereo.samples.data(), stereo.samples.size(), 2, 44100, 44100);
    ASSERT_EQ(mixed.size(), stereo.frames());
    for (size_t frame = 0; frame < mixed.size(); ++frame) {
        ASSERT_FLOAT_EQ(mixed[frame], 0.5f * (stereo.samples[2 * frame] + stereo.samples[2 * frame + 1]));
    }
}

// --- Validation ----------------------------------------------------------------------------------------

TEST(ToMono, RejectsInvalidInput) {
    const std::vector<float> audio(1600, 0.1f);
    const float* samples = audio.data();
    expect_invalid_argument([&] { to_mono(samples, 0, 1, 16000, 16000); }, "empty");
    expect_invalid_argument([&] { to_mono(samples, 1600, 1, 0, 16000); }, "sample rate must be between 1000 and 384000 Hz, got 0");
    expect_invalid_argument([&] { to_mono(samples, 1600, 1, 400000, 16000); },
                            "sample rate must be between 1000 and 384000 Hz, got 400000");
    expect_invalid_argument([&] { to_mono(samples, 1600, 1, 16000, 999); },
                            "target sample rate must be between 1000 and 384000 Hz, got 999");
    expect_invalid_argument([&] { to_mono(samples, 1600, 0, 16000, 16000); }, "channel count must be between 1 and 64, got 0");
    expect_invalid_argument([&] { to_mono(samples, 1600, 65, 16000, 16000); }, "channel count must be between 1 and 64, got 65");
    expect_invalid_argument([&] { to_mono(samples, 1599, 2, 16000, 16000); }, "sample count 1599 is not a multiple of the channel count 2");

    std::vector<float> with_nan = audio;
    with_nan[13] = std::numeric_limits<float>::quiet_NaN();
    expect_invalid_argument([&] { to_mono(with_nan.data(), with_nan.size(), 2, 16000, 16000); }, "sample 13 (frame 6, channel 1) is NaN");
    std::vector<float> with_inf = audio;
    with_inf[700] = -std::numeric_limits<float>::infinity();
    expect_invalid_argument([&] { to_mono(with_inf.data(), with_inf.size(), 1, 44100, 16000); },
                            "sample 700 (frame 700, channel 0) is -Inf");
}

TEST(AudioResampler, RejectsRatesOutOfRange) {
    expect_invalid_argument([] { AudioResampler(999, 16000); }, "input sample rate must be between 1000 and 384000 Hz, got 999");
    expect_invalid_argument([] { AudioResampler(16000, 384001); }, "output sample rate must be between 1000 and 384000 Hz, got 384001");
}

// --- Through the feature extractor ---------------------------------------------------------------------

// The acceptance test: 44.1 kHz stereo brought to 16 kHz mono here and by `sox remix - rate -v 16000`
// gives the same Whisper features.
TEST(ToMono, StereoAt44kMatchesSoxInWhisperFeatures) {
    const auto sox = read_clip("en_5s_44k_stereo_sox16k.wav");
    ASSERT_EQ(sox.sample_rate, 16000u);
    const auto ours = clip_at_16k("en_5s_44k_stereo.wav");
    EXPECT_EQ(ours.size(), sox.samples.size());
    const double difference = max_difference(features_of(ours), features_of(sox.samples), 80);
    std::cout << "[ figures  ] 44.1 kHz stereo: max |ours - sox| over the features = " << difference << "\n";
    EXPECT_LE(difference, 0.02);
}

// The 5 s clip stored at other rates, brought to 16 kHz, against the 16 kHz clip (which sox made from the
// same 22.05 kHz synthesis). These measure the whole chain, the other resamplers included.
TEST(ToMono, OtherRatesMatchTheSixteenKilohertzClipInWhisperFeatures) {
    const auto reference = features_of(clip_at_16k("en_5s.wav"));
    struct Case {
        const char* clip;
        size_t mel_bins;  // bins compared, from the lowest
        double bound;
    };
    // 8 kHz audio has nothing above 4 kHz (sox kept up to 3.8 kHz), so only the mel bins whose filters end
    // below 3.8 kHz are compared: the 60 lowest of 80. Measured: 0.016 (22.05 kHz), 0.020 (48 kHz) and 0.029
    // (8 kHz), all in quiet frames near the clamp floor and at the clip's end, where each clip has its own
    // PCM16 rounding noise and sox's filters cut it off differently. The bounds leave 50% on top.
    for (const auto& c : {Case{"en_5s_8k.wav", 60, 0.045}, Case{"en_5s_22k.wav", 80, 0.03}, Case{"en_5s_48k.wav", 80, 0.03}}) {
        const double difference = max_difference(features_of(clip_at_16k(c.clip)), reference, c.mel_bins);
        std::cout << "[ figures  ] " << c.clip << ": max |difference| over " << c.mel_bins << " mel bins = " << difference << "\n";
        EXPECT_LE(difference, c.bound) << c.clip;
    }
}

TEST(ToMono, NinetyFiveSecondsOfStereoAt44kResampleQuickly) {
    std::mt19937 random(9);
    std::normal_distribution<float> normal(0.0f, 0.1f);
    std::vector<float> stereo(2 * 95 * size_t{44100});
    for (auto& sample : stereo) {
        sample = normal(random);
    }
    const double start = ovspeech::test::thread_cpu_seconds();
    const auto mono = to_mono(stereo.data(), stereo.size(), 2, 44100, 16000);
    const double seconds = ovspeech::test::thread_cpu_seconds() - start;
    std::cout << "[ figures  ] 95 s of 44.1 kHz stereo to 16 kHz mono: CPU time " << seconds * 1000.0 << " ms\n";
    EXPECT_EQ(mono.size(), 95u * 16000u);
    EXPECT_LT(seconds, 1.0);
}

}  // namespace
