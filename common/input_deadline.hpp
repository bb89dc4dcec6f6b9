// A deadline for finishing a command once its first byte arrived. A read timeout alone restarts
// with every byte, so a client trickling one byte a second would hold a connection forever;
// with this, a half-sent command must be completed within the limit.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

namespace maild {

class InputDeadline {
public:
    using Clock = std::chrono::steady_clock;

    /// Call after consuming input: partial says whether an incomplete command is buffered.
    void update(bool partial) {
        if (!partial) {
            started_.reset();
        } else if (!started_) {
            started_ = Clock::now();
        }
    }
    /// How long the session may still wait for input: limit, less the time an incomplete
    /// command has already taken.
    std::chrono::milliseconds remaining(std::chrono::milliseconds limit) const {
        if (!started_) return limit;
        auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *started_);
        return std::max(std::chrono::milliseconds(0), limit - spent);
    }

private:
    std::optional<Clock::time_point> started_;
};

}  // namespace maild
