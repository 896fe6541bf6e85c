#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/error.h"

namespace ovspeech {

// What a program run by run_program() may take: it is killed past either bound.
struct ProgramLimits {
    std::chrono::milliseconds timeout{10000};
    size_t max_output_bytes = 1 << 20;  // of its standard output
};

struct ProgramOutput {
    int exit_code = 0;  // 128 + the signal's number when a signal ended it
    std::string output;
    std::string errors;  // its standard error, cut to its first 4 KiB
};

// Why run_program() has no output to give.
enum class ProgramFailure { NotFound, CannotStart, TimedOut, OutputTooLarge };

// An INTERNAL error that says which failure it was, so that a caller can word it for its users.
class ProgramError : public Error {
public:
    ProgramError(ProgramFailure failure, const std::string& message) : Error(ErrorCode::Internal, message), failure_(failure) {}
    ProgramFailure failure() const { return failure_; }

private:
    ProgramFailure failure_;
};

// Runs `program` (looked up on PATH) with `arguments` and no shell, writes `input` to its standard input
// (never to its command line), and collects what it writes until it exits. Descriptors of this process
// other than the three pipes are not passed on. Throws ProgramError: NotFound (no such program on PATH),
// CannotStart, TimedOut (it ran past limits.timeout), OutputTooLarge (more than limits.max_output_bytes);
// the program is killed in the last two cases.
ProgramOutput run_program(const std::string& program, const std::vector<std::string>& arguments, const std::string& input,
                          const ProgramLimits& limits);

}  // namespace ovspeech
