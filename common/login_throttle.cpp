#include "common/login_throttle.hpp"

#include <algorithm>

namespace maild {

LoginThrottle::LoginThrottle(std::chrono::milliseconds base, std::chrono::milliseconds max,
                             std::chrono::seconds forget_after)
    : base_(base), max_(max), forget_after_(forget_after) {}

std::chrono::milliseconds LoginThrottle::delay_for(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto it = records_.find(address);
    if (it == records_.end()) return std::chrono::milliseconds(0);
    if (Clock::now() - it->second.last > forget_after_) {
        records_.erase(it);
        return std::chrono::milliseconds(0);
    }
    unsigned shift = std::min(it->second.failures - 1, 16u);
    return std::min(max_, base_ * (1u << shift));
}

void LoginThrottle::record_failure(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    if (records_.size() > 100000) prune(now);
    auto& record = records_[address];
    if (now - record.last > forget_after_) record.failures = 0;
    ++record.failures;
    record.last = now;
}

void LoginThrottle::record_success(const std::string& address) {
    std::lock_guard lock(mutex_);
    records_.erase(address);
}

void LoginThrottle::prune(Clock::time_point now) {
    for (auto it = records_.begin(); it != records_.end();) {
        it = now - it->second.last > forget_after_ ? records_.erase(it) : std::next(it);
    }
}

}  // namespace maild
