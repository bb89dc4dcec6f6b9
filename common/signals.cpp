#include "common/signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <ctime>

namespace maild {
namespace {

sigset_t termination_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

}  // namespace

SignalWatcher::SignalWatcher(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
    ::signal(SIGPIPE, SIG_IGN);
    sigset_t set = termination_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    thread_ = std::thread([this] {
        sigset_t wait_set = termination_signals();
        const timespec tick{0, 200 * 1000 * 1000};  // re-check done_ five times a second
        while (!done_.load()) {
            int sig = ::sigtimedwait(&wait_set, nullptr, &tick);
            if (sig > 0) on_signal_(sig);
        }
    });
}

SignalWatcher::~SignalWatcher() {
    done_.store(true);
    if (thread_.joinable()) thread_.join();
}

}  // namespace maild
