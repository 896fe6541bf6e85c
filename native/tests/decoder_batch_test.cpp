// Continuous batching of decoder steps on the tiny test model: rows that join and leave at different
// positions get the logits an unbatched decoder gives.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "tests/tiny_whisper.h"

namespace {

using namespace ovspeech::whisper;

struct Decoded {
    std::vector<std::vector<float>> logits;  // per step
    std::vector<int64_t> tokens;
};

std::vector<float> random_features(unsigned seed) {
    std::vector<float> features(80 * 3000);
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(-0.2f, 0.5f);
    for (float& value : features) value = normal(rng);
    return features;
}

int64_t argmax(const std::vector<float>& logits) {
    return std::max_element(logits.begin(), logits.end()) - logits.begin();
}

// Greedy decoding of `steps` tokens after `prompt`, on the session's decoder (a batch row).
Decoded decode(WhisperSession& session, std::vector<float> features, const std::vector<int64_t>& prompt, size_t steps) {
    const ov::Tensor hidden = session.encode(features);
    DecoderSteps& decoder = session.decoder();
    Decoded decoded;
    std::vector<int64_t> next = prompt;
    for (size_t step = 0; step < steps; ++step) {
        decoder.start(hidden, next);
        const ov::Tensor logits = decoder.wait();
        decoded.logits.emplace_back(logits.data<const float>(), logits.data<const float>() + logits.get_size());
        decoded.tokens.push_back(argmax(decoded.logits.back()));
        next = {decoded.tokens.back()};
    }
    decoder.reset();
    return decoded;
}

class DecoderBatchTest : public ovspeech::test::TinyWhisperTest<::testing::Test> {};

TEST_F(DecoderBatchTest, RowsJoiningAndLeavingAtDifferentPositionsGetTheUnbatchedLogits) {
    // Different prompt lengths and lengths, so that rows join mid-way and leave at different steps.
    const std::vector<std::vector<int64_t>> prompts = {
        {50258, 50259, 50359, 50363}, {50258, 50259, 50359}, {50361, 440, 2068, 3699, 50258, 50259, 50359, 50363}, {50258}};
    const std::vector<size_t> steps = {40, 25, 33, 18};
    std::vector<Decoded> alone;
    for (size_t i = 0; i < prompts.size(); ++i) alone.push_back(decode(*session_, random_features(11 + i), prompts[i], steps[i]));

    std::vector<std::unique_ptr<WhisperSession>> sessions;
    for (size_t i = 0; i < prompts.size(); ++i) sessions.push_back(model_->create_session());
    const DecoderBatchStats before = model_->decoder_batch_stats();
    std::vector<Decoded> batched(prompts.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < prompts.size(); ++i) {
        threads.emplace_back([&, i] {
            // Row i joins once the batch has stepped about 4 * i times.
            while (model_->decoder_batch_stats().steps < before.steps + 4 * i) std::this_thread::sleep_for(std::chrono::microseconds(200));
            batched[i] = decode(*sessions[i], random_features(11 + i), prompts[i], steps[i]);
        });
    }
    for (auto& thread : threads) thread.join();

    const DecoderBatchStats after = model_->decoder_batch_stats();
    // Two batches (one per compute lane) share the four rows where the machine has two lanes.
    EXPECT_GE(after.max_rows, 2u) << "the rows did not overlap, so nothing was batched";
    EXPECT_GT(after.row_steps - before.row_steps, after.steps - before.steps) << "no step stepped more than one row";
    for (size_t i = 0; i < prompts.size(); ++i) {
        EXPECT_EQ(batched[i].tokens, alone[i].tokens) << "row " << i;
        for (size_t step = 0; step < steps[i]; ++step) {
            ASSERT_EQ(batched[i].logits[step], alone[i].logits[step]) << "row " << i << ", step " << step;
        }
    }
}

TEST_F(DecoderBatchTest, ARowThatLeavesMidWayDoesNotStallTheOthers) {
    auto first = model_->create_session();
    auto second = model_->create_session();
    std::atomic<bool> left{false};
    std::thread leaver([&] {
        std::vector<float> features = random_features(3);
        const ov::Tensor hidden = first->encode(features);
        DecoderSteps& decoder = first->decoder();
        decoder.start(hidden, {50258, 50259, 50359, 50363});
        decoder.wait();
        for (int64_t step = 0; step < 3; ++step) {
            decoder.start(hidden, {50257});
            decoder.wait();
        }
        decoder.reset();  // as a cancelled request does, mid-window
        left = true;
    });
    const Decoded decoded = decode(*second, random_features(4), {50258, 50259, 50359, 50363}, 30);
    leaver.join();
    EXPECT_TRUE(left);
    EXPECT_EQ(decoded.tokens, decode(*second, random_features(4), {50258, 50259, 50359, 50363}, 30).tokens);
}

}  // namespace
