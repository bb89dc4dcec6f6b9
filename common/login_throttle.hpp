// Slows password guessing down: each failed login from an address doubles the delay before that
// address's next attempt is answered (from base up to max), and the record fades after a quiet
// period. Shared by every session of a daemon; thread-safe. The delay is spent in the
// connection's own thread, so other clients are not held up.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace maild {

class LoginThrottle {
public:
    using Clock = std::chrono::steady_clock;
    LoginThrottle(std::chrono::milliseconds base = std::chrono::milliseconds(250),
                  std::chrono::milliseconds max = std::chrono::seconds(16),
                  std::chrono::seconds forget_after = std::chrono::minutes(15));

    /// How long to wait before checking a password from this address.
    std::chrono::milliseconds delay_for(const std::string& address);
    void record_failure(const std::string& address);
    void record_success(const std::string& address);

private:
    struct Record {
        unsigned failures = 0;
        Clock::time_point last;
    };
    void prune(Clock::time_point now);  // needs mutex_

    std::chrono::milliseconds base_, max_;
    std::chrono::seconds forget_after_;
    std::mutex mutex_;
    std::unordered_map<std::string, Record> records_;  // guarded by mutex_
};

}  // namespace maild
