#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "common/error.h"
#include "common/streaming_resampler.h"

using ovspeech::AudioResampler;
using ovspeech::StreamingResampler;

namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<float> noise(size_t count, unsigned seed) {
    std::mt19937 generator(seed);
    std::uniform_real_distribution<float> uniform(-0.9f, 0.9f);
    std::vector<float> samples(count);
    for (float& sample : samples) sample = uniform(generator);
    return samples;
}

std::vector<float> tone(double frequency, double amplitude, uint32_t rate, size_t count) {
    std::vector<float> samples(count);
    for (size_t i = 0; i < count; ++i)
        samples[i] = static_cast<float>(amplitude * std::sin(2 * kPi * frequency * static_cast<double>(i) / rate));
    return samples;
}

// The input pushed in chunks of the given sizes (cycled until the input is used up), then flushed.
std::vector<float> streamed(const std::vector<float>& input, uint32_t from, uint32_t to, const std::vector<size_t>& chunks) {
    StreamingResampler resampler(from, to);
    std::vector<float> output;
    size_t offset = 0;
    for (size_t k = 0; offset < input.size(); ++k) {
        const size_t size = std::min(chunks[k % chunks.size()], input.size() - offset);
        const std::vector<float> part = resampler.push(input.data() + offset, size);
        output.insert(output.end(), part.begin(), part.end());
        offset += size;
    }
    const std::vector<float> tail = resampler.flush();
    output.insert(output.end(), tail.begin(), tail.end());
    return output;
}

}  // namespace

// The speech job streams each sentence through one of these: any chunking must give the whole-file result.
TEST(StreamingResampler, ChunksOfAnySizeGiveTheWholeResampleExactly) {
    const std::vector<float> input = noise(40000, 7);
    const std::vector<std::vector<size_t>> chunkings = {{40000}, {1}, {0, 1000, 0, 17}, {3, 997, 4096, 1}, {160}, {12345, 1}};
    // 16 -> 24 kHz (pcm and chat audio), 16 -> 22.05 kHz (441 phases), downsampling, and 16 -> 44.1 kHz,
    // whose 441 phases of taps overflow the table budget into the interpolated grid.
    for (const auto& [from, to] : std::vector<std::pair<uint32_t, uint32_t>>{
             {16000, 24000}, {16000, 22050}, {48000, 16000}, {16000, 8000}, {16000, 44100}, {16000, 16000}}) {
        const std::vector<float> whole = AudioResampler(from, to).resample(input.data(), input.size());
        ASSERT_EQ(whole.size(), AudioResampler(from, to).output_length(input.size()));
        for (const auto& chunks : chunkings) {
            const std::vector<float> output = streamed(input, from, to, chunks);
            ASSERT_EQ(output.size(), whole.size()) << from << " -> " << to;
            for (size_t i = 0; i < whole.size(); ++i) {
                // Same taps over the same samples in the same order: bit-identical.
                ASSERT_EQ(output[i], whole[i]) << from << " -> " << to << " at output " << i << ", chunk " << chunks[0];
            }
        }
    }
}

TEST(StreamingResampler, LengthIsRoundedOutputLengthForShortAndEmptyStreams) {
    for (const size_t count : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{1001}}) {
        const std::vector<float> input(count, 0.25f);
        for (const auto& [from, to] :
             std::vector<std::pair<uint32_t, uint32_t>>{{16000, 24000}, {16000, 22050}, {44100, 16000}, {16000, 8000}}) {
            const std::vector<float> output = streamed(input, from, to, {1});
            EXPECT_EQ(output.size(), static_cast<size_t>(std::llround(static_cast<double>(count) * to / from)))
                << count << ": " << from << " -> " << to;
        }
    }
}

// Ported from the TypeScript resampler's tests it replaces: gain, frequency, no images, no aliases.
TEST(StreamingResampler, UnitGainAtDcForAnyRatio) {
    for (const auto& [from, to] :
         std::vector<std::pair<uint32_t, uint32_t>>{{16000, 24000}, {16000, 22050}, {44100, 16000}, {16000, 8000}}) {
        const std::vector<float> output = streamed(std::vector<float>(1001, 0.25f), from, to, {100});
        EXPECT_NEAR(output[output.size() / 2], 0.25f, 1e-6) << from << " -> " << to;
    }
}

TEST(StreamingResampler, SixteenToTwentyFourKhzLandsOnTheAnalyticTone) {
    const std::vector<float> output = streamed(tone(1000, 0.5, 16000, 16000), 16000, 24000, {4000, 333});
    ASSERT_EQ(output.size(), 24000u);
    const std::vector<float> ideal = tone(1000, 0.5, 24000, 24000);
    float worst = 0;
    for (size_t i = 2400; i < 21600; ++i) worst = std::max(worst, std::abs(output[i] - ideal[i]));  // away from the edges
    EXPECT_LT(worst, 5e-4f);
}

TEST(StreamingResampler, UpsamplingAddsNoImagesAndDownsamplingNoAliases) {
    const auto amplitude_at = [](const std::vector<float>& samples, size_t first, size_t count, double frequency, uint32_t rate) {
        double re = 0;
        double im = 0;
        for (size_t i = 0; i < count; ++i) {
            re += samples[first + i] * std::cos(2 * kPi * frequency * static_cast<double>(i) / rate);
            im += samples[first + i] * std::sin(2 * kPi * frequency * static_cast<double>(i) / rate);
        }
        return 2 * std::hypot(re, im) / static_cast<double>(count);
    };
    const std::vector<float> up = streamed(tone(7000, 0.5, 16000, 8000), 16000, 24000, {1000});
    EXPECT_GT(amplitude_at(up, 1200, 9600, 7000, 24000), 0.3);
    EXPECT_LT(amplitude_at(up, 1200, 9600, 9000, 24000), 0.01);  // the image of 7 kHz around 8 kHz
    const std::vector<float> removed = streamed(tone(10000, 0.5, 48000, 24000), 48000, 16000, {1000});
    double sum = 0;
    for (size_t i = 800; i < 7200; ++i) sum += double(removed[i]) * removed[i];
    EXPECT_LT(std::sqrt(sum / 6400) * std::sqrt(2.0), 0.001);  // 10 kHz is above 16 kHz's Nyquist frequency
}

TEST(StreamingResampler, RefusesRatesOutOfRangeAndPushesAfterFlush) {
    EXPECT_THROW(StreamingResampler(16000, 999), ovspeech::Error);
    StreamingResampler resampler(16000, 24000);
    resampler.flush();
    const float sample = 0;
    try {
        resampler.push(&sample, 1);
        FAIL() << "pushed after flush";
    } catch (const ovspeech::Error& e) {
        EXPECT_EQ(e.code(), ovspeech::ErrorCode::Internal);
    }
}
