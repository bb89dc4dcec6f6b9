#include "common/stream.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace maild {

SocketStream::ReadResult SocketStream::read_some(char* buffer, std::size_t buffer_size,
                                                 std::chrono::milliseconds timeout, int wake_fd) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        pollfd fds[3] = {{fd_.get(), POLLIN, 0}, {stop_fd_, POLLIN, 0}, {wake_fd, POLLIN, 0}};
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() < 0) left = std::chrono::milliseconds(0);
        // A negative fd in a pollfd is ignored by poll(2), so absent stop/wake fds need no special case.
        int n = ::poll(fds, 3, static_cast<int>(left.count()));
        if (n < 0) {
            if (errno == EINTR) continue;
            return {ReadStatus::error, 0, errno};
        }
        if (n == 0) return {ReadStatus::timeout, 0, 0};
        if (stop_fd_ >= 0 && (fds[1].revents & POLLIN)) return {ReadStatus::stopped, 0, 0};
        if (fds[0].revents == 0) {
            if (wake_fd >= 0 && (fds[2].revents & POLLIN)) return {ReadStatus::woken, 0, 0};
            continue;
        }
        ssize_t got = ::recv(fd_.get(), buffer, buffer_size, 0);
        if (got > 0) return {ReadStatus::data, static_cast<std::size_t>(got), 0};
        if (got == 0) return {ReadStatus::closed, 0, 0};
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
        if (errno == ECONNRESET) return {ReadStatus::closed, 0, errno};
        return {ReadStatus::error, 0, errno};
    }
}

bool SocketStream::write_all(std::string_view data, std::chrono::milliseconds timeout) {
    using Clock = std::chrono::steady_clock;
    while (!data.empty()) {
        ssize_t sent = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
        if (sent > 0) {
            data.remove_prefix(static_cast<std::size_t>(sent));
            continue;
        }
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // The peer is not reading: wait for room, but not forever.
            const auto deadline = Clock::now() + timeout;
            for (;;) {
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
                if (left.count() <= 0) return false;
                pollfd pfd{fd_.get(), POLLOUT, 0};
                int n = ::poll(&pfd, 1, static_cast<int>(left.count()));
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) return false;
                if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) return false;
                break;
            }
            continue;
        }
        return false;
    }
    return true;
}

void SocketStream::write_best_effort(std::string_view data) {
    while (!data.empty()) {
        ssize_t sent = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return;
        data.remove_prefix(static_cast<std::size_t>(sent));
    }
}

}  // namespace maild
