#include "common/stream.hpp"

#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace maild {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

}  // namespace

SocketStream::~SocketStream() {
    if (ssl_) {
        SSL_shutdown(ssl_.get());  // close_notify, best effort (non-blocking socket)
        ERR_clear_error();
    }
}

bool SocketStream::wait_for(Wait what, Clock::time_point deadline) {
    for (;;) {
        pollfd fds[2] = {{fd_.get(), static_cast<short>(what == Wait::readable ? POLLIN : POLLOUT), 0},
                         {stop_fd_, POLLIN, 0}};
        int n = ::poll(fds, 2, remaining_ms(deadline));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        if (stop_fd_ >= 0 && (fds[1].revents & POLLIN)) return false;
        return fds[0].revents != 0;
    }
}

SocketStream::ReadResult SocketStream::read_some(char* buffer, std::size_t buffer_size,
                                                 std::chrono::milliseconds timeout, Wakeup* wakeup) {
    const auto deadline = Clock::now() + timeout;
    short want = POLLIN;
    for (;;) {
        // Decrypted bytes already inside OpenSSL do not make the socket readable: take them first.
        bool pending = ssl_ && SSL_pending(ssl_.get()) > 0;
        if (!pending) {
            pollfd fds[2] = {{fd_.get(), want, 0}, {stop_fd_, POLLIN, 0}};
            // A negative fd in a pollfd is ignored by poll(2), so an absent stop fd needs no special case.
            // Already woken: only look whether bytes are waiting (they go first).
            const bool woken = wakeup && wakeup->pending();
            const int wait_ms = woken ? 0 : remaining_ms(deadline);
            const timespec wait{wait_ms / 1000, (wait_ms % 1000) * 1000000L};
            // The wake signal is unblocked only for the duration of the wait (see wakeup.hpp).
            int n = ::ppoll(fds, 2, &wait, wakeup ? &Wakeup::wait_mask() : nullptr);
            if (n < 0) {
                if (errno == EINTR) continue;  // a wake-up (seen above next time round) or another signal
                return {ReadStatus::error, 0, errno};
            }
            if (stop_fd_ >= 0 && (fds[1].revents & POLLIN)) return {ReadStatus::stopped, 0, 0};
            if (fds[0].revents == 0) {
                if (woken) return {ReadStatus::woken, 0, 0};
                if (n == 0) return {ReadStatus::timeout, 0, 0};
                continue;
            }
        }
        if (ssl_) {
            int got = SSL_read(ssl_.get(), buffer, static_cast<int>(std::min<std::size_t>(buffer_size, 1 << 30)));
            if (got > 0) return {ReadStatus::data, static_cast<std::size_t>(got), 0};
            int reason = SSL_get_error(ssl_.get(), got);
            ERR_clear_error();
            if (reason == SSL_ERROR_WANT_READ) {
                want = POLLIN;
                continue;
            }
            if (reason == SSL_ERROR_WANT_WRITE) {
                want = POLLOUT;
                continue;
            }
            if (reason == SSL_ERROR_ZERO_RETURN) return {ReadStatus::closed, 0, 0};
            return {ReadStatus::closed, 0, errno == 0 ? ECONNRESET : errno};
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
    while (!data.empty()) {
        if (ssl_) {
            int sent =
                SSL_write(ssl_.get(), data.data(), static_cast<int>(std::min<std::size_t>(data.size(), 1 << 30)));
            if (sent > 0) {
                data.remove_prefix(static_cast<std::size_t>(sent));
                continue;
            }
            int reason = SSL_get_error(ssl_.get(), sent);
            ERR_clear_error();
            if (reason != SSL_ERROR_WANT_READ && reason != SSL_ERROR_WANT_WRITE) return false;
            // The peer is not reading: wait for room, but not forever.
            if (!wait_for(reason == SSL_ERROR_WANT_READ ? Wait::readable : Wait::writable, Clock::now() + timeout)) {
                return false;
            }
            continue;
        }
        ssize_t sent = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
        if (sent > 0) {
            data.remove_prefix(static_cast<std::size_t>(sent));
            continue;
        }
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_for(Wait::writable, Clock::now() + timeout)) return false;
            continue;
        }
        return false;
    }
    return true;
}

void SocketStream::write_best_effort(std::string_view data) {
    if (ssl_) {
        SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()));
        ERR_clear_error();
        return;
    }
    while (!data.empty()) {
        ssize_t sent = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return;
        data.remove_prefix(static_cast<std::size_t>(sent));
    }
}

bool SocketStream::start_tls(const TlsContext& context, std::chrono::milliseconds timeout, std::string& error) {
    ssl_.reset(SSL_new(context.get()));
    if (!ssl_ || SSL_set_fd(ssl_.get(), fd_.get()) != 1) {
        error = openssl_error_text();
        ssl_.reset();
        return false;
    }
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        int rc = SSL_accept(ssl_.get());
        if (rc == 1) return true;
        int reason = SSL_get_error(ssl_.get(), rc);
        if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) {
            ERR_clear_error();
            if (wait_for(reason == SSL_ERROR_WANT_READ ? Wait::readable : Wait::writable, deadline)) continue;
            error = "handshake timed out or was interrupted";
        } else {
            error = reason == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 ? "peer closed during the handshake"
                                                                         : openssl_error_text();
        }
        ERR_clear_error();
        ssl_.reset();  // never fall back to clear text
        return false;
    }
}

std::string SocketStream::tls_description() const {
    if (!ssl_) return "none";
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_.get());
    return std::string(SSL_get_version(ssl_.get())) + " " + (cipher ? SSL_CIPHER_get_name(cipher) : "?");
}

}  // namespace maild
