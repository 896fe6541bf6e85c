// run_program: input through standard input, both outputs collected, and each bound (time, output size,
// a missing program) a ProgramError of its own kind, with the program stopped.
#include <gtest/gtest.h>

#include <chrono>

#include "common/child_process.h"

namespace {

using ovspeech::ProgramError;
using ovspeech::ProgramFailure;
using ovspeech::ProgramLimits;
using ovspeech::run_program;

ProgramFailure failure_of(const std::string& program, const std::vector<std::string>& arguments, const std::string& input,
                          const ProgramLimits& limits, std::string& message) {
    try {
        run_program(program, arguments, input, limits);
    } catch (const ProgramError& e) {
        message = e.what();
        return e.failure();
    }
    ADD_FAILURE() << program << " did not fail";
    return ProgramFailure::CannotStart;
}

TEST(ChildProcess, PassesInputLargerThanAPipeBufferThroughStandardInputAndOutput) {
    std::string input;
    for (int i = 0; input.size() < 3 * 1024 * 1024; ++i) input += "line " + std::to_string(i) + " ü\n";
    ProgramLimits limits;
    limits.max_output_bytes = input.size();
    const ovspeech::ProgramOutput result = run_program("cat", {}, input, limits);
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.output, input);
    EXPECT_EQ(result.errors, "");
}

TEST(ChildProcess, ArgumentsReachTheProgramWithoutAShell) {
    const ovspeech::ProgramOutput result = run_program("printf", {"%s|", "a b", "$HOME", ";echo no"}, "", {});
    EXPECT_EQ(result.output, "a b|$HOME|;echo no|");
}

TEST(ChildProcess, ReportsTheExitCodeAndStandardError) {
    const ovspeech::ProgramOutput result = run_program("sh", {"-c", "echo out; echo oops >&2; exit 3"}, "", {});
    EXPECT_EQ(result.exit_code, 3);
    EXPECT_EQ(result.output, "out\n");
    EXPECT_EQ(result.errors, "oops\n");
}

TEST(ChildProcess, AProgramThatReadsNoInputDoesNotBreakTheWriter) {
    const ovspeech::ProgramOutput result = run_program("true", {}, std::string(4 * 1024 * 1024, 'x'), {});
    EXPECT_EQ(result.exit_code, 0);
}

TEST(ChildProcess, AMissingProgramIsNotFound) {
    std::string message;
    EXPECT_EQ(failure_of("ovspeech-no-such-program", {}, "", {}, message), ProgramFailure::NotFound);
    EXPECT_EQ(message, "there is no program ovspeech-no-such-program on PATH");
}

TEST(ChildProcess, AProgramPastItsTimeIsStopped) {
    ProgramLimits limits;
    limits.timeout = std::chrono::milliseconds(300);
    std::string message;
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(failure_of("sleep", {"30"}, "", limits, message), ProgramFailure::TimedOut);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    EXPECT_EQ(message, "sleep did not finish within 300 ms and was stopped");
}

TEST(ChildProcess, AProgramThatClosesItsOutputsButRunsOnIsStoppedToo) {
    ProgramLimits limits;
    limits.timeout = std::chrono::milliseconds(300);
    std::string message;
    EXPECT_EQ(failure_of("sh", {"-c", "exec >&- 2>&-; sleep 30"}, "", limits, message), ProgramFailure::TimedOut);
}

TEST(ChildProcess, AProgramWritingTooMuchIsStopped) {
    ProgramLimits limits;
    limits.max_output_bytes = 65536;
    std::string message;
    EXPECT_EQ(failure_of("yes", {}, "", limits, message), ProgramFailure::OutputTooLarge);
    EXPECT_EQ(message, "yes wrote more than 65536 bytes and was stopped");
}

}  // namespace
