// A POSIX semaphore, for one-shot wake-ups between threads.
//
// Unlike a condition variable it can be posted without holding the waiter's mutex, and POSIX
// allows destroying it as soon as the waiter's wait() returned even if post() is still on its way
// out: the poster may wake a thread whose wait object then goes out of scope at once.
#pragma once

#include <semaphore.h>

#include <cerrno>
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

private:
    sem_t sem_;
};

}  // namespace maild
