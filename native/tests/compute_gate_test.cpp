#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "scheduler/compute_gate.h"

namespace {

using ovspeech::ComputeGate;
using Turn = ComputeGate::Turn;

void wait_for_waiting(ComputeGate& gate, size_t count) {
    while (gate.waiting() < count) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TEST(ComputeGate, WithoutLanesOneHolderAtATimeAndWaitingFirstTurnsGoBeforeSecondTurns) {
    ComputeGate gate;
    std::mutex order_mutex;
    std::vector<char> order;
    auto take = [&](Turn turn, char name) {
        const ComputeGate::Hold hold(gate, turn, false);
        EXPECT_TRUE(hold.wide()) << "without lanes every inference takes every core";
        std::lock_guard<std::mutex> lock(order_mutex);
        order.push_back(name);
    };
    std::thread second;
    std::thread first;
    {
        const ComputeGate::Hold held(gate, Turn::Second);
        second = std::thread(take, Turn::Second, 's');
        wait_for_waiting(gate, 1);
        first = std::thread(take, Turn::First, 'f');
        wait_for_waiting(gate, 2);
        EXPECT_TRUE(order.empty()) << "nobody passes while the gate is held";
    }
    first.join();
    second.join();
    EXPECT_EQ(order, (std::vector<char>{'f', 's'}));
}

TEST(ComputeGate, WithLanesAnInferenceAloneIsWideAndTwoRunSideBySideNarrow) {
    ComputeGate gate(true);
    {
        const ComputeGate::Hold alone(gate, Turn::First);
        EXPECT_TRUE(alone.wide());
    }
    {
        const ComputeGate::Hold first(gate, Turn::First, false);
        EXPECT_FALSE(first.wide()) << "it did not ask to be wide";
        // Another inference of either turn runs beside it, narrow, though it asks to be wide.
        const ComputeGate::Hold second(gate, Turn::Second);
        EXPECT_FALSE(second.wide());
    }
    gate.reserve_second(true);
    {
        const ComputeGate::Hold first(gate, Turn::First);
        EXPECT_FALSE(first.wide()) << "the second turn is reserved";
        const ComputeGate::Hold lone_second(gate, Turn::Second, true);
        EXPECT_FALSE(lone_second.wide()) << "a lane is taken";
    }
    {
        const ComputeGate::Hold second(gate, Turn::Second);
        EXPECT_TRUE(second.wide()) << "its own reservation does not narrow it";
    }
    gate.reserve_second(false);
    const ComputeGate::Hold first(gate, Turn::First);
    EXPECT_TRUE(first.wide());
}

TEST(ComputeGate, WithLanesAWideHoldKeepsEveryoneWaitingAndTwoNarrowHoldsFillTheLanes) {
    ComputeGate gate(true);
    std::atomic<int> passed{0};
    std::vector<std::thread> threads;
    {
        const ComputeGate::Hold wide(gate, Turn::First);
        ASSERT_TRUE(wide.wide());
        for (int i = 0; i < 2; ++i) {
            threads.emplace_back([&] {
                const ComputeGate::Hold hold(gate, Turn::First, false);
                ++passed;
            });
        }
        wait_for_waiting(gate, 2);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        EXPECT_EQ(passed, 0) << "nobody passes a wide hold";
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(passed, 2);

    // Two narrow holds take both lanes: a third waits for one of them.
    std::thread third;
    {
        const ComputeGate::Hold one(gate, Turn::First, false);
        const ComputeGate::Hold two(gate, Turn::First, false);
        third = std::thread([&] {
            const ComputeGate::Hold hold(gate, Turn::Second, false);
            ++passed;
        });
        wait_for_waiting(gate, 1);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        EXPECT_EQ(passed, 2) << "there is no third lane";
    }
    third.join();
    EXPECT_EQ(passed, 3);
}

}  // namespace
