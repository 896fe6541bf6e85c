#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace ovspeech {

// Decides when a model's inferences run and on how many cores, so that they never compete for the same
// cores. Waiting inferences of the first turn go before those of the second: for Whisper, encoder passes
// go before decoder steps, since a window must be encoded before it joins the decoder batch and each step
// decodes every joined window at once (native/scheduler/README.md).
//
// - Without lanes, one inference runs at a time, on every core ("wide").
// - With lanes, the cores are split in two lanes, and an inference takes one ("narrow") or, when it asks
//   to and nothing else runs, waits or is reserved, both ("wide"). Which compiled variant matches the
//   width is the caller's (common/lane_variants.h).
class ComputeGate {
public:
    enum class Turn { First, Second };
    // Lanes the cores are split in, when split: each gets 1 / kLanes of them.
    static constexpr size_t kLanes = 2;

    explicit ComputeGate(bool lanes = false) : lanes_(lanes) {}

    // Holds a lane, or every core, for its lifetime.
    class Hold {
    public:
        Hold(ComputeGate& gate, Turn turn, bool wants_wide = true) : gate_(gate) { wide_ = gate_.acquire(turn, wants_wide); }
        ~Hold() { gate_.release(wide_); }
        Hold(const Hold&) = delete;
        Hold& operator=(const Hold&) = delete;

        // Whether the inference may use every core; always true without lanes.
        bool wide() const { return wide_; }

    private:
        ComputeGate& gate_;
        bool wide_ = true;
    };

    // Counts a user of the second turn as busy between its holds, so that the others stay narrow and leave
    // it a lane: a decoder batch with rows steps again within a millisecond. Called once when it becomes
    // busy (true) and once when it stops (false).
    void reserve_second(bool reserved) {
        std::lock_guard<std::mutex> lock(mutex_);
        reserved ? ++second_reserved_ : --second_reserved_;
    }

    // Inferences waiting for the gate.
    size_t waiting() {
        std::lock_guard<std::mutex> lock(mutex_);
        return waiting_first_ + waiting_second_;
    }

private:
    bool acquire(Turn turn, bool wants_wide) {
        std::unique_lock<std::mutex> lock(mutex_);
        const bool first = turn == Turn::First;
        ++(first ? waiting_first_ : waiting_second_);
        const size_t capacity = lanes_ ? kLanes : 1;
        free_.wait(lock, [&] { return running_ < capacity && (first || waiting_first_ == 0); });
        --(first ? waiting_first_ : waiting_second_);
        // A second-turn inference may be the one reserving.
        const bool alone = running_ == 0 && waiting_first_ == 0 && waiting_second_ == 0 && second_reserved_ <= (first ? 0 : 1);
        const bool wide = !lanes_ || (wants_wide && alone);
        running_ += wide ? capacity : 1;
        return wide;
    }

    void release(bool wide) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            running_ -= wide ? (lanes_ ? kLanes : 1) : 1;
        }
        free_.notify_all();
    }

    const bool lanes_;
    std::mutex mutex_;
    std::condition_variable free_;
    size_t running_ = 0;  // lanes taken
    size_t second_reserved_ = 0;
    size_t waiting_first_ = 0;
    size_t waiting_second_ = 0;
};

}  // namespace ovspeech
