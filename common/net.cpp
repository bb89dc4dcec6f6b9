#include "common/net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace maild::net {
namespace {

std::string display_address(const std::string& address, std::uint16_t port) {
    if (address.find(':') != std::string::npos) return "[" + address + "]:" + std::to_string(port);
    return address + ":" + std::to_string(port);
}

void numeric(const sockaddr_storage& ss, std::string& address, std::uint16_t& port) {
    char text[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET) {
        const auto& sin = reinterpret_cast<const sockaddr_in&>(ss);
        ::inet_ntop(AF_INET, &sin.sin_addr, text, sizeof text);
        port = ntohs(sin.sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(ss);
        ::inet_ntop(AF_INET6, &sin6.sin6_addr, text, sizeof text);
        port = ntohs(sin6.sin6_port);
        // Show IPv4-mapped peers as plain IPv4.
        std::string_view s(text);
        if (s.starts_with("::ffff:") && s.find('.') != std::string_view::npos) {
            address = std::string(s.substr(7));
            return;
        }
    }
    address = text;
}

std::string bind_advice(int err, const std::string& where, std::uint16_t port) {
    std::string msg = "cannot listen on " + where + ": " + std::strerror(err) + ". ";
    switch (err) {
        case EACCES:
            if (port < 1024) {
                msg +=
                    "Ports below 1024 need root or the CAP_NET_BIND_SERVICE capability "
                    "(e.g. `setcap cap_net_bind_service=+ep` on the binary, or "
                    "AmbientCapabilities= in the systemd unit); or choose another port with --port.";
            } else {
                msg += "Choose another port with --port.";
            }
            break;
        case EADDRINUSE:
            msg +=
                "Another program (perhaps another instance, or Postfix/Dovecot) already listens "
                "there; stop it or choose another port with --port.";
            break;
        case EADDRNOTAVAIL: msg += "That address is not configured on this machine; fix --listen."; break;
        case EAFNOSUPPORT: msg += "This machine has no IPv6; remove the IPv6 address from --listen."; break;
        default: msg += "Check --listen and --port.";
    }
    return msg;
}

}  // namespace

std::string Listener::display() const { return display_address(address, port); }

Listener listen_on(const std::string& address, std::uint16_t port, int backlog) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    int family = 0;
    if (auto* sin = reinterpret_cast<sockaddr_in*>(&ss); ::inet_pton(AF_INET, address.c_str(), &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        len = sizeof(sockaddr_in);
        family = AF_INET;
    } else if (auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
               ::inet_pton(AF_INET6, address.c_str(), &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        len = sizeof(sockaddr_in6);
        family = AF_INET6;
    } else {
        throw BindError("cannot listen on '" + address +
                        "': not a numeric IPv4 or IPv6 address; fix --listen (e.g. 127.0.0.1, 0.0.0.0, ::1, ::)");
    }
    const std::string where = display_address(address, port);

    UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
        int err = errno;
        throw BindError(bind_advice(err, where, port), err);
    }
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6) {
        // "::" then means IPv6 only, so it can sit beside "0.0.0.0" on the same port.
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // inherited by accepted sockets
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        int err = errno;
        throw BindError(bind_advice(err, where, port), err);
    }
    if (::listen(fd.get(), backlog) != 0) {
        int err = errno;
        throw BindError(bind_advice(err, where, port), err);
    }

    sockaddr_storage bound{};
    socklen_t bound_len = sizeof bound;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &bound_len);
    Listener listener;
    numeric(bound, listener.bound_address, listener.port);
    listener.wildcard = listener.bound_address == "0.0.0.0" || listener.bound_address == "::";
    listener.fd = std::move(fd);
    listener.address = address;
    return listener;
}

Accepted accept_one(const Listener& listener, int& errno_out) {
    Accepted accepted;
    errno_out = 0;
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof peer;
    int fd = ::accept4(listener.fd.get(), reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        errno_out = errno;
        return accepted;
    }
    accepted.fd.reset(fd);
    numeric(peer, accepted.peer_address, accepted.peer_port);
    if (!listener.wildcard) {
        accepted.local_address = listener.bound_address;
        accepted.local_port = listener.port;
        return accepted;
    }
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
        numeric(local, accepted.local_address, accepted.local_port);
    }
    return accepted;
}

}  // namespace maild::net
