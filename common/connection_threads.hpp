// Threads for connections: one thread serves one connection at a time, as in the seed design, but
// a thread whose connection ended waits a while for the next one instead of exiting. Creating and
// tearing down a thread per connection costs a clone, and on exit glibc gives the stack back with
// madvise, which flushes the TLB on every core; under a stream of short SMTP sessions that was a
// seventh of smtpd's time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "common/semaphore.hpp"

namespace maild {

class ConnectionThreads : public std::enable_shared_from_this<ConnectionThreads> {
public:
    using Job = std::function<void()>;
    using ThreadExit = std::function<void()>;

    /// max_spare: threads kept waiting for work; linger: how long a spare thread waits before it
    /// exits; on_thread_exit: runs on each thread as it leaves, before it counts as exited (where
    /// a library frees its per-thread state, so none is left when the process ends). Create with
    /// std::make_shared (threads keep the pool alive).
    ConnectionThreads(std::size_t stack_bytes, std::size_t max_spare, std::chrono::milliseconds linger,
                      ThreadExit on_thread_exit = {});

    /// Runs job on a waiting thread, else on a new detached thread. Returns 0, or the
    /// pthread_create error (then job did not run).
    int run(Job job);
    /// Spare threads exit now; threads finishing a job exit instead of waiting.
    void stop();
    /// After stop(): waits until every thread has left (its job returned and on_thread_exit ran);
    /// false if some were still there after timeout (a job that does not end).
    bool wait_until_exited(std::chrono::milliseconds timeout);
    std::size_t spare() const;
    /// Threads started and not yet exited, whether serving a job or waiting for one.
    std::size_t live() const;

private:
    struct Slot {        // one waiting thread
        Job job;         // set under mutex_ when the slot is taken off waiting_
        Semaphore wake;  // posted exactly once, after the slot was taken off waiting_
    };
    static void* thread_main(void* arg);
    /// Waits for the next job; false when the thread should exit.
    bool wait_for_job(Job& job);

    std::size_t stack_bytes_;
    std::size_t max_spare_;
    std::chrono::milliseconds linger_;
    ThreadExit on_thread_exit_;
    mutable std::mutex mutex_;
    std::condition_variable all_exited_;
    std::vector<Slot*> waiting_;  // guarded by mutex_; the most recently parked last
    std::size_t live_ = 0;        // guarded by mutex_
    bool stopping_ = false;       // guarded by mutex_
};

}  // namespace maild
