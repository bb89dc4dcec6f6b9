// A POSIX semaphore, for one-shot wake-ups between threads.
//
// Unlike a condition variable it can be posted without holding the waiter's mutex, and POSIX
// allows destroying it as soon as the waiter's wait() returned even if post() is still on its way
// out: the poster may wake a thread whose wait object then goes out of scope at once.
#pragma once

#include <semaphore.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <system_error>

namespace maild {

class Semaphore {
public:
    explicit Semaphore(unsigned initial = 0) {
        if (::sem_init(&sem_, 0, initial) != 0) throw std::system_error(errno, std::generic_category(), "sem_init");
    }
    ~Semaphore() { ::sem_destroy(&sem_); }
    Semaphore(const Semaphore&) = delete;
    Semaphore& operator=(const Semaphore&) = delete;

    void post() { ::sem_post(&sem_); }
    void wait() {
        while (::sem_wait(&sem_) != 0 && errno == EINTR) {
        }
    }
    /// Waits at most `timeout`; true when posted.
    bool wait_for(std::chrono::nanoseconds timeout) {
        timespec deadline{};
        ::clock_gettime(CLOCK_MONOTONIC, &deadline);
        auto nanoseconds = deadline.tv_nsec + timeout.count();
        deadline.tv_sec += static_cast<time_t>(nanoseconds / 1'000'000'000);
        deadline.tv_nsec = static_cast<long>(nanoseconds % 1'000'000'000);
        for (;;) {
            if (::sem_clockwait(&sem_, CLOCK_MONOTONIC, &deadline) == 0) return true;
            if (errno != EINTR) return false;
        }
    }

private:
    sem_t sem_;
};

}  // namespace maild
