#include "common/connection_threads.hpp"

#include <pthread.h>

#include <algorithm>

namespace maild {
namespace {

struct ThreadStart {
    std::shared_ptr<ConnectionThreads> pool;
    ConnectionThreads::Job job;
};

}  // namespace

ConnectionThreads::ConnectionThreads(std::size_t stack_bytes, std::size_t max_spare, std::chrono::milliseconds linger)
    : stack_bytes_(stack_bytes), max_spare_(max_spare), linger_(linger) {}

int ConnectionThreads::run(Job job) {
    {
        std::lock_guard lock(mutex_);
        if (!waiting_.empty()) {
            Slot* slot = waiting_.back();  // the most recently used thread: its stack is warm
            waiting_.pop_back();
            slot->job = std::move(job);
            slot->wake.notify_one();
            return 0;
        }
    }
    auto start = std::make_unique<ThreadStart>(ThreadStart{shared_from_this(), std::move(job)});
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, stack_bytes_);
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, thread_main, start.get());
    pthread_attr_destroy(&attr);
    if (rc == 0) start.release();  // the thread owns it now
    return rc;
}

void* ConnectionThreads::thread_main(void* arg) {
    std::unique_ptr<ThreadStart> start(static_cast<ThreadStart*>(arg));
    std::shared_ptr<ConnectionThreads> pool = std::move(start->pool);
    Job job = std::move(start->job);
    start.reset();
    do {
        job();
        job = nullptr;  // release what the job held before waiting
    } while (pool->wait_for_job(job));
    return nullptr;
}

bool ConnectionThreads::wait_for_job(Job& job) {
    std::unique_lock lock(mutex_);
    if (stopping_ || waiting_.size() >= max_spare_) return false;
    Slot slot;
    waiting_.push_back(&slot);
    slot.wake.wait_for(lock, linger_, [&] { return slot.job != nullptr || stopping_; });
    if (!slot.job) {  // lingered long enough, or stopping: leave the waiting list
        std::erase(waiting_, &slot);
        return false;
    }
    job = std::move(slot.job);
    return true;
}

void ConnectionThreads::stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (Slot* slot : waiting_) slot->wake.notify_one();
}

std::size_t ConnectionThreads::spare() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
}

}  // namespace maild
