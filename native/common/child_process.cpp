#include "common/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace ovspeech {
namespace {

constexpr size_t kMaxErrorBytes = 4096;

// A file descriptor closed when it goes out of scope.
class Descriptor {
public:
    Descriptor() = default;
    explicit Descriptor(int fd) : fd_(fd) {}
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    Descriptor(Descriptor&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Descriptor& operator=(Descriptor&&) = delete;
    ~Descriptor() { close(); }
    int get() const { return fd_; }
    int* out() { return &fd_; }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

struct Pipe {
    Descriptor read;
    Descriptor write;
};

Pipe make_pipe(const std::string& program) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw ProgramError(ProgramFailure::CannotStart, "cannot start " + program + ": pipe: " + std::strerror(errno));
    }
    Pipe pipe;
    *pipe.read.out() = fds[0];
    *pipe.write.out() = fds[1];
    return pipe;
}

// The child's standard input is one end of a socket pair rather than a pipe, so that writing to a child
// that has stopped reading fails with EPIPE (send's MSG_NOSIGNAL) instead of raising SIGPIPE here.
Pipe make_input_channel(const std::string& program) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        throw ProgramError(ProgramFailure::CannotStart, "cannot start " + program + ": socketpair: " + std::strerror(errno));
    }
    Pipe channel;
    *channel.read.out() = fds[0];
    *channel.write.out() = fds[1];
    ::shutdown(fds[0], SHUT_WR);
    return channel;
}

// posix_spawn's file actions and attributes, released however spawning ends.
struct SpawnSetup {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    SpawnSetup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attributes);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
};

int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// Kills the program, waits for it to end, and throws `error`.
[[noreturn]] void stop(pid_t pid, const ProgramError& error) {
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    throw error;
}

}  // namespace

ProgramOutput run_program(const std::string& program, const std::vector<std::string>& arguments, const std::string& input,
                          const ProgramLimits& limits) {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point deadline = Clock::now() + limits.timeout;
    Pipe in = make_input_channel(program);
    Pipe out = make_pipe(program);
    Pipe err = make_pipe(program);

    SpawnSetup setup;
    posix_spawn_file_actions_adddup2(&setup.actions, in.read.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&setup.actions, out.write.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&setup.actions, err.write.get(), STDERR_FILENO);
    // Descriptors another thread opened without O_CLOEXEC stay with this process.
    posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1);
    // The child starts with default signal handling (Node ignores SIGPIPE) and nothing blocked.
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&setup.attributes, &defaults);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&setup.attributes, &none);
    posix_spawnattr_setflags(&setup.attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = ::posix_spawnp(&pid, program.c_str(), &setup.actions, &setup.attributes, argv.data(), environ);
    if (spawned == ENOENT) throw ProgramError(ProgramFailure::NotFound, "there is no program " + program + " on PATH");
    if (spawned != 0) throw ProgramError(ProgramFailure::CannotStart, "cannot start " + program + ": " + std::strerror(spawned));
    in.read.close();
    out.write.close();
    err.write.close();
    ::fcntl(in.write.get(), F_SETFL, O_NONBLOCK);

    const auto timed_out = [&] {
        return ProgramError(ProgramFailure::TimedOut,
                            program + " did not finish within " + std::to_string(limits.timeout.count()) + " ms and was stopped");
    };
    ProgramOutput result;
    size_t written = 0;
    if (input.empty()) in.write.close();
    while (out.read.get() >= 0 || err.read.get() >= 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            stop(pid, timed_out());
        }
        pollfd fds[3] = {{in.write.get(), POLLOUT, 0}, {out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}};
        if (::poll(fds, 3, static_cast<int>(left)) < 0) {
            if (errno == EINTR) continue;
            stop(pid, ProgramError(ProgramFailure::CannotStart, "cannot wait for " + program + ": " + std::strerror(errno)));
        }
        if (fds[0].revents != 0) {
            const ssize_t n = ::send(in.write.get(), input.data() + written, input.size() - written, MSG_NOSIGNAL);
            if (n > 0) written += static_cast<size_t>(n);
            // A program may exit without reading all of its input; what it wrote still counts.
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in.write.close();
        }
        char buffer[65536];
        for (int i = 1; i <= 2; ++i) {
            if (fds[i].revents == 0) continue;
            Descriptor& source = i == 1 ? out.read : err.read;
            const ssize_t n = ::read(source.get(), buffer, sizeof(buffer));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                source.close();
                continue;
            }
            if (i == 2) {
                result.errors.append(buffer,
                                     std::min(static_cast<size_t>(n), kMaxErrorBytes - std::min(kMaxErrorBytes, result.errors.size())));
                continue;
            }
            if (result.output.size() + static_cast<size_t>(n) > limits.max_output_bytes) {
                stop(pid, ProgramError(ProgramFailure::OutputTooLarge,
                                       program + " wrote more than " + std::to_string(limits.max_output_bytes) + " bytes and was stopped"));
            }
            result.output.append(buffer, static_cast<size_t>(n));
        }
    }
    in.write.close();
    // Both outputs are closed: the program has exited, or is about to; it still gets until the deadline.
    int status = 0;
    for (;;) {
        const pid_t reaped = ::waitpid(pid, &status, WNOHANG);
        if (reaped == pid) break;
        if (reaped < 0 && errno != EINTR)
            throw ProgramError(ProgramFailure::CannotStart, "cannot wait for " + program + ": " + std::strerror(errno));
        if (Clock::now() >= deadline) stop(pid, timed_out());
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    result.exit_code = exit_code(status);
    return result;
}

}  // namespace ovspeech
