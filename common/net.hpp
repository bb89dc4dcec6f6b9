// The socket system calls, and nothing else: listening endpoints (IPv4 and IPv6), accept, and
// address formatting. Everything returned owns its fd (UniqueFd).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"

namespace maild::net {

/// A listen address could not be set up. what() names the address, the reason and the fix.
class BindError : public std::runtime_error {
public:
    explicit BindError(const std::string& message, int error = 0) : std::runtime_error(message), error_(error) {}
    int error() const { return error_; }  ///< the errno of the failed call, 0 for a bad address

private:
    int error_;
};

struct Listener {
    UniqueFd fd;
    std::string address;          ///< numeric, as configured ("0.0.0.0", "::1")
    std::uint16_t port = 0;       ///< the port actually bound (meaningful when 0 was asked for)
    std::string bound_address;    ///< numeric, as the kernel writes it ("::1" for "0:0::1")
    bool wildcard = false;        ///< 0.0.0.0 or ::: each connection's local address differs
    std::string display() const;  ///< "127.0.0.1:25" or "[::1]:25"
};

/// socket + SO_REUSEADDR (+ IPV6_V6ONLY for IPv6) + TCP_NODELAY + bind + listen, non-blocking,
/// close-on-exec. Accepted sockets inherit TCP_NODELAY (replies are whole lines, written once).
/// address must be a numeric IPv4 or IPv6 address. Throws BindError with an actionable message
/// (e.g. for EACCES on a port below 1024: run as root, grant CAP_NET_BIND_SERVICE, or use --port).
Listener listen_on(const std::string& address, std::uint16_t port, int backlog);

struct Accepted {
    UniqueFd fd;  ///< non-blocking, close-on-exec
    std::string peer_address;
    std::uint16_t peer_port = 0;
    std::string local_address;
    std::uint16_t local_port = 0;
};

/// accept4() one pending connection: one system call, or two on a wildcard listener (whose
/// local address getsockname() tells). On failure the fd is invalid and errno_out holds the
/// reason: EAGAIN when none is pending, ECONNABORTED when the peer already left,
/// EMFILE/ENFILE/ENOMEM when the process is out of resources (the caller logs and backs off).
Accepted accept_one(const Listener& listener, int& errno_out);

}  // namespace maild::net
