// Counts live connections, enforces max-connections, and lets shutdown wait for them to finish.
// Thread-safe: connection threads add/remove themselves while the accept loop reads the count.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace maild {

class ConnectionRegistry {
public:
    explicit ConnectionRegistry(std::size_t max_connections) : max_(max_connections) {}

    /// Reserves a slot; false when max_connections are already live.
    bool try_add();
    /// Releases a slot reserved by try_add(); returns how many are still live. Must be the last
    /// thing a connection thread does with shared state.
    std::size_t remove();
    std::size_t live() const;
    /// Waits until no connection is live or the timeout passes; true when none is live.
    bool wait_until_empty(std::chrono::milliseconds timeout);

private:
    const std::size_t max_;
    mutable std::mutex mu_;
    std::condition_variable empty_;
    std::size_t live_ = 0;  // guarded by mu_
};

}  // namespace maild
