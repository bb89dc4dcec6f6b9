// Waking a connection thread that waits for its peer, without a descriptor per connection.
//
// A session waiting in IMAP IDLE must learn of new mail at once, so something other than its
// socket has to interrupt the thread's wait. An eventfd per session would do, but doubles the
// descriptors an idle connection holds (10,000 IDLE clients would need 20,000). Instead the waking
// thread sets a flag and sends the owner thread a signal; the owner keeps that signal blocked
// except inside ppoll(2), which unblocks it atomically for the wait: a signal sent just before the
// wait stays pending and interrupts it at once, so no wake-up is lost.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <atomic>

namespace maild {

class Wakeup {
public:
    /// Binds to the calling thread (the one that will wait) and blocks the wake signal there.
    Wakeup();
    Wakeup(const Wakeup&) = delete;
    Wakeup& operator=(const Wakeup&) = delete;

    /// Any thread: marks this wakeup and interrupts the owner's wait. The owner thread must still
    /// exist (callers stop waking before the owner's session ends).
    void wake();
    /// Owner: true once for every run of wake() calls since the last take().
    bool take();
    bool pending() const { return pending_.load(std::memory_order_acquire); }

    /// The signal mask for the owner's ppoll: its own mask, with the wake signal unblocked.
    static const sigset_t& wait_mask();

private:
    pthread_t owner_;
    std::atomic<bool> pending_{false};
};

}  // namespace maild
