#include "smtpd/session_env.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>

namespace smtp {

std::string make_queue_id() {
    static std::atomic<unsigned> counter{0};
    auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    static const unsigned pid = static_cast<unsigned>(getpid());  // the daemon never forks
    unsigned sequence = counter.fetch_add(1, std::memory_order_relaxed);
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%011llX%04X%03X", static_cast<unsigned long long>(micros) & 0xFFFFFFFFFFFull,
                  pid & 0xFFFFu, sequence & 0xFFFu);
    return buffer;
}

SessionEnv SessionEnv::system() {
    return SessionEnv{make_queue_id, [] { return std::time(nullptr); }};
}

}  // namespace smtp
