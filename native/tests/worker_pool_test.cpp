#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

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
    for (int i = 0; i < 3; ++i) pool->submit({[](CountingSession&) { FAIL() << "an abandoned job ran"; }, [&] { ++abandoned; }});
    pool->close();
    EXPECT_TRUE(finished.load());
    EXPECT_EQ(abandoned.load(), 3);
    try {
        pool->submit({[](CountingSession&) {}, nullptr});
        FAIL() << "expected CANCELLED after close";
    } catch (const ovspeech::Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Cancelled);
    }
}

}  // namespace
