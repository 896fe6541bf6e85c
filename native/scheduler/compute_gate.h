#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace ovspeech {

// Lets one inference of a model run at a time, so that its inferences take the cores in turn instead of
// competing for them. Waiting inferences of the first kind go before those of the second: for Whisper,
// encoder passes go before decoder steps, since a window must be encoded before it joins the decoder
// batch and each step decodes every joined window at once (native/scheduler/README.md).
class ComputeGate {
public:
    enum class Turn { First, Second };

    // Holds the gate for its lifetime.
    class Hold {
    public:
        Hold(ComputeGate& gate, Turn turn) : gate_(gate) { gate_.acquire(turn); }
        ~Hold() { gate_.release(); }
        Hold(const Hold&) = delete;
        Hold& operator=(const Hold&) = delete;

    private:
        ComputeGate& gate_;
    };

    // Inferences waiting for the gate.
    size_t waiting() {
        std::lock_guard<std::mutex> lock(mutex_);
        return waiting_first_ + waiting_second_;
    }

private:
    void acquire(Turn turn) {
        std::unique_lock<std::mutex> lock(mutex_);
        const bool first = turn == Turn::First;
        ++(first ? waiting_first_ : waiting_second_);
        free_.wait(lock, [&] { return !busy_ && (first || waiting_first_ == 0); });
        --(first ? waiting_first_ : waiting_second_);
        busy_ = true;
    }

    void release() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            busy_ = false;
        }
        free_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable free_;
    bool busy_ = false;
    size_t waiting_first_ = 0;
    size_t waiting_second_ = 0;
};

}  // namespace ovspeech
