#pragma once

#include <chrono>

namespace ovspeech {

// Milliseconds since it was started (or last restarted), for per-stage timings.
class Stopwatch {
public:
    double elapsed_ms() const { return std::chrono::duration<double, std::milli>(Clock::now() - start_).count(); }
    void restart() { start_ = Clock::now(); }

private:
    using Clock = std::chrono::steady_clock;
    Clock::time_point start_ = Clock::now();
};

}  // namespace ovspeech
