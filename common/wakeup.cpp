#include "common/wakeup.hpp"

#include <mutex>

namespace maild {
namespace {

// SIGURG is ignored by default, and the kernel sends it (for TCP urgent data) only to a socket's
// owner set with F_SETOWN, which maild never sets; a stray one would only cost a spurious EINTR.
// Go's runtime preempts goroutines with it for the same reasons.
constexpr int wake_signal = SIGURG;

void on_wake_signal(int) {}  // only there to interrupt ppoll (EINTR)

thread_local sigset_t thread_wait_mask;
thread_local bool thread_prepared = false;

void prepare_thread() {
    static std::once_flag handler_installed;
    std::call_once(handler_installed, [] {
        struct sigaction action {};
        action.sa_handler = on_wake_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;  // no SA_RESTART: the wait must return
        ::sigaction(wake_signal, &action, nullptr);
    });
    if (thread_prepared) return;
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, wake_signal);
    pthread_sigmask(SIG_BLOCK, &block, &thread_wait_mask);
    sigdelset(&thread_wait_mask, wake_signal);
    thread_prepared = true;
}

}  // namespace

Wakeup::Wakeup() : owner_(pthread_self()) { prepare_thread(); }

void Wakeup::wake() {
    // One signal per run of wakes: the flag is what the owner reads, the signal only interrupts.
    if (!pending_.exchange(true, std::memory_order_acq_rel)) pthread_kill(owner_, wake_signal);
}

bool Wakeup::take() { return pending_.exchange(false, std::memory_order_acq_rel); }

const sigset_t& Wakeup::wait_mask() {
    prepare_thread();
    return thread_wait_mask;
}

}  // namespace maild
