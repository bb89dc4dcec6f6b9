// SIGTERM/SIGINT handling without async-signal-unsafe code: the signals are blocked in every
// thread and one watcher thread receives them with sigtimedwait() and calls a plain callback.
// SIGPIPE is ignored (writes use MSG_NOSIGNAL anyway).
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace maild {

class SignalWatcher {
public:
    /// Must be constructed before any other thread is started, so all threads inherit the mask.
    /// on_signal runs on the watcher thread with the signal number.
    explicit SignalWatcher(std::function<void(int)> on_signal);
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;
    ~SignalWatcher();

private:
    std::function<void(int)> on_signal_;
    std::atomic<bool> done_{false};
    std::thread thread_;
};

}  // namespace maild
