// Seconds of CPU time the calling thread has used. Speed tests measure it instead of wall time: a busy
// machine (another process on every core) stretches wall time several-fold, but not the work a thread does.
#pragma once

#include <time.h>

namespace ovspeech::test {

inline double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

}  // namespace ovspeech::test
