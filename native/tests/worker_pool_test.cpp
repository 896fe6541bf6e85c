#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scheduler/worker_pool.h"

namespace {

using ovspeech::ErrorCode;
using ovspeech::PoolJob;
using ovspeech::WorkerPool;

struct CountingSession {
    int id = 0;
    int jobs = 0;
};

std::vector<std::unique_ptr<CountingSession>> sessions(int count) {
    std::vector<std::unique_ptr<CountingSession>> made;
    for (int i = 0; i < count; ++i) made.push_back(std::make_unique<CountingSession>(CountingSession{i, 0}));
    return made;
}

// Submits a job that holds its worker until `released` is ready, and returns once it runs.
void occupy_a_worker(WorkerPool<CountingSession>& pool, std::shared_future<void> released) {
    std::promise<void> started;
    pool.submit({[&started, released](CountingSession&) {
                     started.set_value();
                     released.wait();
                 },
                 nullptr});
    started.get_future().wait();
}

TEST(WorkerPoolTest, RunsEveryJobOnSomeWorkersOwnSession) {
    WorkerPool<CountingSession> pool(sessions(2), 100);
    std::atomic<int> done{0};
    std::vector<std::promise<int>> results(20);
    for (auto& result : results) {
        pool.submit({[&done, &result](CountingSession& session) {
                         ++session.jobs;
                         ++done;
                         result.set_value(session.id);
                     },
                     nullptr});
    }
    for (auto& result : results) {
        const int worker = result.get_future().get();
        EXPECT_TRUE(worker == 0 || worker == 1);
    }
    EXPECT_EQ(done.load(), 20);
}

TEST(WorkerPoolTest, AFullQueueRefusesWithOverloaded) {
    WorkerPool<CountingSession> pool(sessions(1), 1);
    std::promise<void> release;
    occupy_a_worker(pool, release.get_future().share());
    pool.submit({[](CountingSession&) {}, nullptr});
    EXPECT_EQ(pool.stats().queued, 1u);
    EXPECT_EQ(pool.stats().running, 1u);
    try {
        pool.submit({[](CountingSession&) {}, nullptr});
        FAIL() << "expected OVERLOADED";
    } catch (const ovspeech::Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Overloaded);
    }
    release.set_value();
}

TEST(WorkerPoolTest, WithoutAQueueAnIdleWorkerStillTakesAJob) {
    WorkerPool<CountingSession> pool(sessions(1), 0);
    std::promise<void> release;
    occupy_a_worker(pool, release.get_future().share());
    EXPECT_THROW(pool.submit({[](CountingSession&) {}, nullptr}), ovspeech::Error);
    release.set_value();
}

TEST(WorkerPoolTest, ClosingAbandonsQueuedJobsAndFinishesRunningOnes) {
    auto pool = std::make_unique<WorkerPool<CountingSession>>(sessions(1), 10);
    std::promise<void> started;
    std::atomic<bool> finished{false};
    std::atomic<int> abandoned{0};
    pool->submit({[&](CountingSession&) {
                      started.set_value();
                      std::this_thread::sleep_for(std::chrono::milliseconds(50));
                      finished = true;
                  },
                  nullptr});
    started.get_future().wait();
    for (int i = 0; i < 3; ++i) {
        pool->submit({[](CountingSession&) { FAIL() << "an abandoned job ran"; },
                      [&](const ovspeech::Error& e) {
                          EXPECT_EQ(e.code(), ErrorCode::Unavailable);
                          ++abandoned;
                      }});
    }
    pool->close();
    EXPECT_TRUE(finished.load());
    EXPECT_EQ(abandoned.load(), 3);
    try {
        pool->submit({[](CountingSession&) {}, nullptr});
        FAIL() << "expected UNAVAILABLE after close";
    } catch (const ovspeech::Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Unavailable);
        EXPECT_STREQ(e.what(), "the model is being unloaded or is not loaded; retry");
    }
}

// A job that throws, whatever it throws, fails with that error (INTERNAL unless it is a coded Error);
// its worker survives and takes the next job, and the counts stay right.
TEST(WorkerPoolTest, AJobThatThrowsAnythingFailsAndItsWorkerGoesOn) {
    WorkerPool<CountingSession> pool(sessions(1), 10);
    struct NotAStdException {};
    const std::vector<std::function<void()>> throwers = {
        [] { throw 42; },
        [] { throw NotAStdException{}; },
        [] { throw std::runtime_error("a std::exception"); },
        [] { throw ovspeech::Error(ErrorCode::InvalidArgument, "a coded error", "speed"); },
    };
    std::vector<std::promise<ovspeech::Error>> failures(throwers.size());
    for (size_t i = 0; i < throwers.size(); ++i) {
        pool.submit({[thrower = throwers[i]](CountingSession&) { thrower(); },
                     [&failure = failures[i]](const ovspeech::Error& e) { failure.set_value(e); }});
    }
    std::promise<int> after;
    pool.submit({[&after](CountingSession& session) { after.set_value(++session.jobs); }, nullptr});

    const std::string unknown = "an unknown exception (not a std::exception) was thrown";
    for (size_t i = 0; i < 2; ++i) {
        const ovspeech::Error e = failures[i].get_future().get();
        EXPECT_EQ(e.code(), ErrorCode::Internal);
        EXPECT_EQ(e.what(), unknown);
    }
    const ovspeech::Error standard = failures[2].get_future().get();
    EXPECT_EQ(standard.code(), ErrorCode::Internal);
    EXPECT_STREQ(standard.what(), "a std::exception");
    const ovspeech::Error coded = failures[3].get_future().get();
    EXPECT_EQ(coded.code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(coded.param(), "speed");
    EXPECT_EQ(after.get_future().get(), 1);  // the same, only worker ran it

    // `completed` counts a job once its worker is done with it, just after the job's own last act.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pool.stats().completed < throwers.size() + 1 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const auto stats = pool.stats();
    EXPECT_EQ(stats.completed, throwers.size() + 1);
    EXPECT_EQ(stats.running, 0u);
    EXPECT_EQ(stats.queued, 0u);
}

// A job whose own failure path throws too still leaves its worker working.
TEST(WorkerPoolTest, AFailingFailureDoesNotStopTheWorker) {
    WorkerPool<CountingSession> pool(sessions(1), 10);
    pool.submit({[](CountingSession&) { throw 1; }, [](const ovspeech::Error&) { throw 2; }});
    std::promise<void> ran;
    pool.submit({[&ran](CountingSession&) { ran.set_value(); }, nullptr});
    EXPECT_EQ(ran.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
}

}  // namespace
