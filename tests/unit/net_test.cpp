#include "common/net.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace {

using maild::UniqueFd;
using maild::net::accept_one;
using maild::net::Accepted;
using maild::net::listen_on;
using maild::net::Listener;

/// Connects to 127.0.0.1:port and accepts that connection on listener.
Accepted connect_and_accept(const Listener& listener, UniqueFd& client) {
    client.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(listener.port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
    pollfd ready{listener.fd.get(), POLLIN, 0};
    EXPECT_EQ(::poll(&ready, 1, 10000), 1);
    int err = 0;
    Accepted accepted = accept_one(listener, err);
    EXPECT_EQ(err, 0);
    return accepted;
}

int nodelay(int fd) {
    int value = 0;
    socklen_t length = sizeof value;
    EXPECT_EQ(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &length), 0);
    return value;
}

TEST(Net, AcceptedConnectionsSendAtOnceAndKnowBothEnds) {
    for (const char* address : {"127.0.0.1", "0.0.0.0"}) {
        SCOPED_TRACE(address);
        Listener listener = listen_on(address, 0, 16);
        EXPECT_EQ(listener.wildcard, std::string(address) == "0.0.0.0");
        UniqueFd client;
        Accepted accepted = connect_and_accept(listener, client);
        ASSERT_TRUE(accepted.fd);
        EXPECT_NE(nodelay(accepted.fd.get()), 0);  // inherited from the listener: no Nagle delay on replies
        EXPECT_EQ(accepted.local_address, "127.0.0.1");
        EXPECT_EQ(accepted.local_port, listener.port);
        EXPECT_EQ(accepted.peer_address, "127.0.0.1");
        sockaddr_in mine{};
        socklen_t length = sizeof mine;
        ::getsockname(client.get(), reinterpret_cast<sockaddr*>(&mine), &length);
        EXPECT_EQ(accepted.peer_port, ntohs(mine.sin_port));
    }
}

TEST(Net, AcceptWithNothingPendingSaysEagain) {
    Listener listener = listen_on("127.0.0.1", 0, 16);
    int err = 0;
    Accepted accepted = accept_one(listener, err);
    EXPECT_FALSE(accepted.fd);
    EXPECT_EQ(err, EAGAIN);
}

}  // namespace
