#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "scheduler/compute_gate.h"

namespace {

using ovspeech::ComputeGate;

void wait_for_waiting(ComputeGate& gate, size_t count) {
    while (gate.waiting() < count) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TEST(ComputeGate, OneHolderAtATimeAndWaitingFirstTurnsGoBeforeSecondTurns) {
    ComputeGate gate;
    std::mutex order_mutex;
    std::vector<char> order;
    auto take = [&](ComputeGate::Turn turn, char name) {
        const ComputeGate::Hold hold(gate, turn);
        std::lock_guard<std::mutex> lock(order_mutex);
        order.push_back(name);
    };
    std::thread second;
    std::thread first;
    {
        const ComputeGate::Hold held(gate, ComputeGate::Turn::Second);
        second = std::thread(take, ComputeGate::Turn::Second, 's');
        wait_for_waiting(gate, 1);
        first = std::thread(take, ComputeGate::Turn::First, 'f');
        wait_for_waiting(gate, 2);
        EXPECT_TRUE(order.empty()) << "nobody passes while the gate is held";
    }
    first.join();
    second.join();
    EXPECT_EQ(order, (std::vector<char>{'f', 's'}));
}

}  // namespace
