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

ConnectionThreads::ConnectionThreads(std::size_t stack_bytes, std::size_t max_spare, std::chrono::milliseconds linger,
                                     ThreadExit on_thread_exit)
    : stack_bytes_(stack_bytes), max_spare_(max_spare), linger_(linger), on_thread_exit_(std::move(on_thread_exit)) {}

int ConnectionThreads::run(Job job) {
    Slot* slot = nullptr;
    {
        std::lock_guard lock(mutex_);
        if (!waiting_.empty()) {
            slot = waiting_.back();  // the most recently used thread: its stack is warm
            waiting_.pop_back();
            slot->job = std::move(job);
        }
    }
    if (slot) {
        // Posted outside the mutex, so the woken thread does not queue for it. The thread waits
        // for this post before it leaves (see wait_for_job), so the slot is still there.
        slot->wake.post();
        return 0;
    }
    auto start = std::make_unique<ThreadStart>(ThreadStart{shared_from_this(), std::move(job)});
    {
        std::lock_guard lock(mutex_);
        ++live_;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, stack_bytes_);
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, thread_main, start.get());
    pthread_attr_destroy(&attr);
    if (rc == 0) {
        start.release();  // the thread owns it now
    } else {
        std::lock_guard lock(mutex_);
        --live_;
    }
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
    if (pool->on_thread_exit_) pool->on_thread_exit_();
    {
        std::lock_guard lock(pool->mutex_);
        if (--pool->live_ == 0) pool->all_exited_.notify_all();
    }
    return nullptr;  // the pool, if this held its last reference, goes with this thread
}

bool ConnectionThreads::wait_for_job(Job& job) {
    Slot slot;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || waiting_.size() >= max_spare_) return false;
        waiting_.push_back(&slot);
    }
    if (!slot.wake.wait_for(linger_)) {
        std::unique_lock lock(mutex_);
        if (std::find(waiting_.begin(), waiting_.end(), &slot) != waiting_.end()) {
            std::erase(waiting_, &slot);  // lingered long enough: nobody will post us
            return false;
        }
        // Taken off the list just now: its post is on the way; leaving before it would let the
        // poster touch a slot that is gone.
        lock.unlock();
        slot.wake.wait();
    }
    // The job was set under the mutex before the post; reading it under the mutex too makes
    // that ordering plain to every tool (ThreadSanitizer does not model sem_clockwait).
    std::lock_guard lock(mutex_);
    if (!slot.job) return false;  // stopping
    job = std::move(slot.job);
    return true;
}

void ConnectionThreads::stop() {
    std::vector<Slot*> slots;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        slots.swap(waiting_);
    }
    for (Slot* slot : slots) slot->wake.post();  // with no job: the thread exits
}

bool ConnectionThreads::wait_until_exited(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return all_exited_.wait_for(lock, timeout, [this] { return live_ == 0; });
}

std::size_t ConnectionThreads::live() const {
    std::lock_guard lock(mutex_);
    return live_;
}

std::size_t ConnectionThreads::spare() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
}

}  // namespace maild
