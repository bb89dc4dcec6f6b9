// Reading and writing one connected socket with timeouts. Writes handle short writes and EINTR;
// reads also wake when a "stop" fd (the server's shutdown eventfd) becomes readable.
// This is the seam TLS will plug into later: sessions only ever see bytes.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "common/unique_fd.hpp"

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

    /// Waits up to `timeout` for bytes and reads at most buffer_size of them. Returns `woken`
    /// (without reading) when wake_fd (if >= 0, not owned) becomes readable and no bytes are waiting.
    ReadResult read_some(char* buffer, std::size_t buffer_size, std::chrono::milliseconds timeout, int wake_fd = -1);
    /// Writes all of data, waiting at most `timeout` for the peer to make room each time.
    /// False when the peer is gone or too slow (the caller then closes).
    bool write_all(std::string_view data, std::chrono::milliseconds timeout);
    /// Writes what fits right now without waiting (for a reply to a refused connection).
    void write_best_effort(std::string_view data);
    int fd() const { return fd_.get(); }

private:
    UniqueFd fd_;
    int stop_fd_;
};

}  // namespace maild
