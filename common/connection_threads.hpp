// Threads for connections: one thread serves one connection at a time, as in the seed design, but
// a thread whose connection ended waits a while for the next one instead of exiting. Creating and
// tearing down a thread per connection costs a clone, and on exit glibc gives the stack back with
// madvise, which flushes the TLB on every core; under a stream of short SMTP sessions that was a
// seventh of smtpd's time.
#pragma once

#include <chrono>
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

    /// max_spare: threads kept waiting for work; linger: how long a spare thread waits before it
    /// exits. Create with std::make_shared (threads keep the pool alive).
    ConnectionThreads(std::size_t stack_bytes, std::size_t max_spare, std::chrono::milliseconds linger);

    /// Runs job on a waiting thread, else on a new detached thread. Returns 0, or the
    /// pthread_create error (then job did not run).
    int run(Job job);
    /// Spare threads exit now; threads finishing a job exit instead of waiting.
    void stop();
    std::size_t spare() const;

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
    mutable std::mutex mutex_;
    std::vector<Slot*> waiting_;  // guarded by mutex_; the most recently parked last
    bool stopping_ = false;       // guarded by mutex_
};

}  // namespace maild
