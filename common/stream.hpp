// Reading and writing one connected socket with timeouts, in clear or over TLS. Writes handle
// short writes and EINTR; reads also return when a "stop" fd (the server's shutdown eventfd)
// becomes readable or the connection's Wakeup is woken. Sessions never see this: they only get bytes.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/tls.hpp"
#include "common/unique_fd.hpp"
#include "common/wakeup.hpp"

namespace maild {

class SocketStream {
public:
    enum class ReadStatus { data, closed, timeout, stopped, woken, error };
    struct ReadResult {
        ReadStatus status = ReadStatus::error;
        std::size_t bytes = 0;  ///< for ReadStatus::data
        int error = 0;          ///< errno for ReadStatus::error
    };

    /// Takes ownership of a connected, non-blocking socket. stop_fd is polled beside it (not owned).
    SocketStream(UniqueFd fd, int stop_fd) : fd_(std::move(fd)), stop_fd_(stop_fd) {}
    ~SocketStream();
    SocketStream(const SocketStream&) = delete;
    SocketStream& operator=(const SocketStream&) = delete;

    /// Waits up to `timeout` for bytes and reads at most buffer_size of them. Returns `woken`
    /// (without reading) when wakeup (if any; it belongs to the calling thread) is pending and no
    /// bytes are waiting; the caller then take()s it.
    ReadResult read_some(char* buffer, std::size_t buffer_size, std::chrono::milliseconds timeout,
                         Wakeup* wakeup = nullptr);
    /// Writes all of data, waiting at most `timeout` for the peer to make room each time.
    /// False when the peer is gone or too slow (the caller then closes).
    bool write_all(std::string_view data, std::chrono::milliseconds timeout);
    /// Writes what fits right now without waiting (for a reply to a refused connection).
    void write_best_effort(std::string_view data);

    /// Runs the server side of a TLS handshake; afterwards every read and write is encrypted.
    /// Bytes the peer sent before the handshake and that are still unread become part of the
    /// handshake (and make it fail), so nothing sent in clear is ever taken as data afterwards.
    /// On failure returns false and sets error to a reason for the log.
    bool start_tls(const TlsContext& context, std::chrono::milliseconds timeout, std::string& error);
    bool secure() const { return ssl_ != nullptr; }
    /// "TLSv1.3 TLS_AES_256_GCM_SHA384" once secure.
    std::string tls_description() const;
    int fd() const { return fd_.get(); }

private:
    enum class Wait { readable, writable };
    /// poll() for the socket (and the stop fd); false on timeout, stop or error.
    bool wait_for(Wait what, std::chrono::steady_clock::time_point deadline);

    struct SslFree {
        void operator()(SSL* ssl) const { SSL_free(ssl); }
    };
    UniqueFd fd_;
    int stop_fd_;
    std::unique_ptr<SSL, SslFree> ssl_;
};

}  // namespace maild
