#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"

namespace ovspeech {

struct PoolStats {
    size_t workers = 0;
    size_t queued = 0;
    size_t running = 0;
    size_t completed = 0;
    size_t max_queued = 0;
};

// A job for a pool: `run` works on a worker's own session. `fail` is called instead, so that no caller
// waits forever, with UNAVAILABLE when the pool closes before the job started, or with what `run` threw
// (anything it throws: a job cannot take its worker down).
template <typename Session>
struct PoolJob {
    std::function<void(Session&)> run;
    std::function<void(const Error&)> fail;
};

// A fixed set of worker threads for one model, each with a session (its own infer requests) made up
// front. Jobs that find every worker busy wait in a bounded FIFO queue; a full queue refuses new work with
// OVERLOADED instead of letting memory grow.
template <typename Session>
class WorkerPool {
public:
    WorkerPool(std::vector<std::unique_ptr<Session>> sessions, size_t max_queued) : max_queued_(max_queued) {
        if (sessions.empty()) throw Error(ErrorCode::InvalidArgument, "a worker pool needs at least one worker");
        for (auto& session : sessions) {
            threads_.emplace_back([this, owned = std::shared_ptr<Session>(std::move(session))] { work(*owned); });
        }
    }

    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;
    ~WorkerPool() { close(); }

    void submit(PoolJob<Session> job) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (closed_) throw model_unavailable();
            // Idle workers take jobs at once: only jobs beyond them wait, and only max_queued_ may.
            if (queue_.size() + running_ >= threads_.size() + max_queued_) {
                throw Error(ErrorCode::Overloaded, "the model's queue is full (" + std::to_string(max_queued_) + " waiting)");
            }
            queue_.push_back(std::move(job));
        }
        wake_.notify_one();
    }

    PoolStats stats() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return {threads_.size(), queue_.size(), running_, completed_, max_queued_};
    }

    // Refuses new jobs, fails the queued ones with UNAVAILABLE, lets the running ones finish and joins
    // the workers.
    void close() {
        std::deque<PoolJob<Session>> abandoned;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (closed_) return;
            closed_ = true;
            abandoned.swap(queue_);
        }
        wake_.notify_all();
        for (auto& job : abandoned) fail(job, model_unavailable());
        for (auto& thread : threads_) thread.join();
    }

private:
    static void fail(PoolJob<Session>& job, const Error& error) {
        if (!job.fail) return;
        try {
            job.fail(error);
        } catch (...) {
            // The job's own way of failing failed: there is no one left to tell, and the worker goes on.
        }
    }

    void work(Session& session) {
        while (true) {
            PoolJob<Session> job;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [this] { return closed_ || !queue_.empty(); });
                if (queue_.empty()) return;
                job = std::move(queue_.front());
                queue_.pop_front();
                ++running_;
            }
            try {
                job.run(session);
            } catch (...) {
                fail(job, current_exception_as_error());
            }
            std::lock_guard<std::mutex> lock(mutex_);
            --running_;
            ++completed_;
        }
    }

    const size_t max_queued_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<PoolJob<Session>> queue_;
    std::vector<std::thread> threads_;
    size_t running_ = 0;
    size_t completed_ = 0;
    bool closed_ = false;
};

}  // namespace ovspeech
