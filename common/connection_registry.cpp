#include "common/connection_registry.hpp"

namespace maild {

bool ConnectionRegistry::try_add() {
    std::lock_guard lock(mu_);
    if (live_ >= max_) return false;
    ++live_;
    return true;
}

std::size_t ConnectionRegistry::remove() {
    std::lock_guard lock(mu_);
    --live_;
    if (live_ == 0) empty_.notify_all();
    return live_;
}

std::size_t ConnectionRegistry::live() const {
    std::lock_guard lock(mu_);
    return live_;
}

bool ConnectionRegistry::wait_until_empty(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return empty_.wait_for(lock, timeout, [this] { return live_ == 0; });
}

}  // namespace maild
