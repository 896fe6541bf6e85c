#pragma once

#include <atomic>

#include "common/error.h"

namespace ovspeech {

// Set from the JS thread, read by a worker between decoder steps.
class CancellationFlag {
public:
    void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
    bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
    void throw_if_cancelled() const {
        if (cancelled()) throw Error(ErrorCode::Cancelled, "the request was cancelled");
    }

private:
    std::atomic<bool> cancelled_{false};
};

}  // namespace ovspeech
