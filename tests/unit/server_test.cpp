// The socket core with a trivial line-echo protocol: concurrency, the connection cap, timeouts,
// shutdown and bind errors, over real loopback sockets.
#include "common/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/line_buffer.hpp"
#include "common/log.hpp"
#include "common/unique_fd.hpp"

namespace {

using namespace std::chrono_literals;

/// Wakeups of the sessions alive, for a test to wake them (as imapd's mailbox watcher does).
class LiveWakeups {
public:
    void add(maild::Wakeup* wakeup) {
        std::lock_guard lock(mutex_);
        wakeups_.insert(wakeup);
    }
    void remove(maild::Wakeup* wakeup) {
        std::lock_guard lock(mutex_);
        wakeups_.erase(wakeup);
    }
    std::size_t wake_all() {
        std::lock_guard lock(mutex_);
        for (auto* wakeup : wakeups_) wakeup->wake();
        return wakeups_.size();
    }

private:
    std::mutex mutex_;
    std::set<maild::Wakeup*> wakeups_;
};

class EchoSession final : public maild::Session {
public:
    EchoSession(std::chrono::milliseconds timeout, const maild::ConnectionInfo& info, LiveWakeups& live,
                std::atomic<int>& failed_writes)
        : timeout_(timeout),
          wakeup_(info.wakeup),
          write_now_(info.write_now),
          live_(live),
          failed_writes_(failed_writes) {
        live_.add(wakeup_);
    }
    ~EchoSession() override { live_.remove(wakeup_); }
    void on_wake() override { out_ += "WOKEN\r\n"; }
    void start() override { out_ += "HELLO\r\n"; }
    void feed(std::string_view bytes) override {
        lines_.append(bytes);
        for (auto r = lines_.take_line(); r.status != maild::LineBuffer::Status::need_more; r = lines_.take_line()) {
            if (r.line == "THROW") throw std::runtime_error("session bug");
            if (r.line.rfind("STREAM ", 0) == 0) {  // STREAM n: n pieces written mid-command, as FETCH does
                const int pieces = std::stoi(r.line.substr(7));
                for (int i = 0; i < pieces; ++i) {
                    out_ += "PIECE " + std::to_string(i) + " " + std::string(64 * 1024, 'p') + "\r\n";
                    const bool written = write_now_(out_);
                    out_.clear();
                    if (!written) {  // the peer is gone: a session stops producing for it
                        ++failed_writes_;
                        return;
                    }
                }
                out_ += "STREAMED\r\n";
                continue;
            }
            if (r.line == "QUIT") {
                out_ += "BYE\r\n";
                close_ = true;
                return;
            }
            out_ += "ECHO " + r.line + "\r\n";
        }
    }
    std::string take_output() override { return std::exchange(out_, {}); }
    bool wants_close() const override { return close_; }
    std::chrono::milliseconds read_timeout() const override { return timeout_; }
    void on_timeout() override { out_ += "TIMEOUT\r\n"; }
    void on_shutdown() override { out_ += "SHUTDOWN\r\n"; }

private:
    std::chrono::milliseconds timeout_;
    maild::Wakeup* wakeup_;
    std::function<bool(std::string_view)> write_now_;
    LiveWakeups& live_;
    std::atomic<int>& failed_writes_;
    maild::LineBuffer lines_{1000};
    std::string out_;
    bool close_ = false;
};

class EchoFactory final : public maild::SessionFactory {
public:
    std::chrono::milliseconds timeout = 10s;
    LiveWakeups live;
    std::atomic<int> failed_writes{0};
    std::unique_ptr<maild::Session> create(const maild::ConnectionInfo& info) override {
        return std::make_unique<EchoSession>(timeout, info, live, failed_writes);
    }
    std::string busy_reply() const override { return "BUSY\r\n"; }
};

maild::UniqueFd connect_to(std::uint16_t port) {
    maild::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return {};
    return fd;
}

// Reads until `count` lines arrived or EOF/timeout; returns what was read.
std::string read_lines(int fd, int count) {
    std::string got;
    char buf[512];
    while (std::count(got.begin(), got.end(), '\n') < count) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
}

bool at_eof(int fd) {
    char c;
    return ::recv(fd, &c, 1, 0) == 0;
}

void send_all(int fd, std::string_view text) {
    ASSERT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL), (ssize_t)text.size());
}

class ServerTest : public ::testing::Test {
protected:
    void SetUp() override { maild::log::set_level(maild::log::Level::off); }
    void TearDown() override {
        if (server_) server_->stop();
        if (runner_.joinable()) runner_.join();
    }

    void start(std::size_t max_connections = 100) {
        maild::ServerOptions options;
        options.listen_addresses = {"127.0.0.1"};
        options.port = 0;
        options.max_connections = max_connections;
        options.shutdown_timeout = 5s;
        server_ = std::make_unique<maild::Server>(options, factory_);
        server_->bind();
        port_ = server_->listeners().at(0).port;
        runner_ = std::thread([this] { clean_ = server_->run(); });
    }

    void wait_for_live(std::size_t n) {
        for (int i = 0; i < 500 && server_->live_connections() != n; ++i) std::this_thread::sleep_for(10ms);
        EXPECT_EQ(server_->live_connections(), n);
    }

    EchoFactory factory_;
    std::unique_ptr<maild::Server> server_;
    std::thread runner_;
    std::uint16_t port_ = 0;
    std::atomic<bool> clean_{false};
};

TEST_F(ServerTest, PortZeroBindsAnEphemeralPort) {
    start();
    EXPECT_NE(port_, 0);
}

TEST_F(ServerTest, ServesManyClientsAtOnce) {
    start();
    constexpr int clients = 40;
    std::vector<maild::UniqueFd> fds;
    for (int i = 0; i < clients; ++i) {
        fds.push_back(connect_to(port_));
        ASSERT_TRUE(fds.back());
        EXPECT_EQ(read_lines(fds.back().get(), 1), "HELLO\r\n");
    }
    wait_for_live(clients);  // all held open at the same time, each on its own thread
    for (int i = 0; i < clients; ++i) {
        send_all(fds[i].get(), "ping " + std::to_string(i) + "\r\nQUIT\r\n");
        EXPECT_EQ(read_lines(fds[i].get(), 2), "ECHO ping " + std::to_string(i) + "\r\nBYE\r\n");
        EXPECT_TRUE(at_eof(fds[i].get()));
    }
    wait_for_live(0);
}

TEST_F(ServerTest, PipelinedLinesInOneWriteAllAnswered) {
    start();
    auto fd = connect_to(port_);
    read_lines(fd.get(), 1);
    send_all(fd.get(), "a\r\nb\nc\r\nQUIT\r\n");
    EXPECT_EQ(read_lines(fd.get(), 4), "ECHO a\r\nECHO b\r\nECHO c\r\nBYE\r\n");
}

TEST_F(ServerTest, PastTheCapClientsAreToldToTryLaterNotDropped) {
    start(2);
    auto a = connect_to(port_);
    auto b = connect_to(port_);
    read_lines(a.get(), 1);
    read_lines(b.get(), 1);
    auto c = connect_to(port_);
    ASSERT_TRUE(c);
    EXPECT_EQ(read_lines(c.get(), 1), "BUSY\r\n");
    EXPECT_TRUE(at_eof(c.get()));
    send_all(a.get(), "QUIT\r\n");
    read_lines(a.get(), 1);
    wait_for_live(1);
    auto d = connect_to(port_);
    EXPECT_EQ(read_lines(d.get(), 1), "HELLO\r\n");
}

TEST_F(ServerTest, SilentClientIsTimedOut) {
    factory_.timeout = 100ms;
    start();
    auto fd = connect_to(port_);
    EXPECT_EQ(read_lines(fd.get(), 2), "HELLO\r\nTIMEOUT\r\n");
    EXPECT_TRUE(at_eof(fd.get()));
    wait_for_live(0);
}

TEST_F(ServerTest, VanishingPeerCostsOnlyItsThread) {
    start();
    {
        auto fd = connect_to(port_);
        read_lines(fd.get(), 1);
        send_all(fd.get(), "half a li");
        linger hard{1, 0};  // close with RST
        ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    wait_for_live(0);
    auto fd = connect_to(port_);
    EXPECT_EQ(read_lines(fd.get(), 1), "HELLO\r\n");
}

TEST_F(ServerTest, OutputWrittenMidCommandArrivesInOrder) {
    start();
    auto fd = connect_to(port_);
    read_lines(fd.get(), 1);
    send_all(fd.get(), "first\r\nSTREAM 3\r\nlast\r\n");
    std::string got = read_lines(fd.get(), 6);
    std::vector<std::string> heads;
    for (std::size_t at = 0; at < got.size();) {
        std::size_t end = got.find("\r\n", at);
        if (end == std::string::npos) break;
        heads.push_back(got.substr(at, std::min<std::size_t>(end - at, 7)));
        at = end + 2;
    }
    EXPECT_EQ(heads, (std::vector<std::string>{"ECHO fi", "PIECE 0", "PIECE 1", "PIECE 2", "STREAME", "ECHO la"}));
    EXPECT_EQ(factory_.failed_writes.load(), 0);
}

TEST_F(ServerTest, APeerGoneMidCommandEndsTheConnection) {
    start();
    {
        auto fd = connect_to(port_);
        read_lines(fd.get(), 1);
        send_all(fd.get(), "STREAM 2000\r\n");  // 128 MiB, far more than socket buffers hold
        char first[16];
        ASSERT_GT(::recv(fd.get(), first, sizeof first, 0), 0);  // streaming has begun
        linger hard{1, 0};                                       // then the client resets
        ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    wait_for_live(0);  // long before 2000 pieces could have been written
    EXPECT_GE(factory_.failed_writes.load(), 1);
    auto fd = connect_to(port_);
    EXPECT_EQ(read_lines(fd.get(), 1), "HELLO\r\n");
}

TEST_F(ServerTest, StopSaysGoodbyeToOpenSessionsAndReturns) {
    start();
    auto a = connect_to(port_);
    auto b = connect_to(port_);
    read_lines(a.get(), 1);
    read_lines(b.get(), 1);
    wait_for_live(2);
    server_->stop();
    EXPECT_EQ(read_lines(a.get(), 1), "SHUTDOWN\r\n");
    EXPECT_EQ(read_lines(b.get(), 1), "SHUTDOWN\r\n");
    runner_.join();
    EXPECT_TRUE(clean_);
    EXPECT_FALSE(connect_to(port_));  // no longer accepting
}

TEST_F(ServerTest, PortInUseGivesAnActionableError) {
    start();
    maild::ServerOptions options;
    options.listen_addresses = {"127.0.0.1"};
    options.port = port_;
    maild::Server second(options, factory_);
    try {
        second.bind();
        FAIL() << "bind should fail";
    } catch (const maild::net::BindError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("127.0.0.1:" + std::to_string(port_)), std::string::npos) << what;
        EXPECT_NE(what.find("--port"), std::string::npos) << what;
        EXPECT_NE(what.find("in use"), std::string::npos) << what;
    }
}

TEST_F(ServerTest, BadListenAddressIsNamed) {
    maild::ServerOptions options;
    options.listen_addresses = {"not-an-address"};
    maild::Server server(options, factory_);
    try {
        server.bind();
        FAIL();
    } catch (const maild::net::BindError& e) {
        EXPECT_NE(std::string(e.what()).find("not-an-address"), std::string::npos);
    }
}

TEST_F(ServerTest, AWakeupLetsASessionSpeakWithoutInput) {
    start();
    auto fd = connect_to(port_);
    ASSERT_EQ(read_lines(fd.get(), 1), "HELLO\r\n");
    ASSERT_EQ(factory_.live.wake_all(), 1u);
    EXPECT_EQ(read_lines(fd.get(), 1), "WOKEN\r\n");
    send_all(fd.get(), "ping\r\n");
    EXPECT_EQ(read_lines(fd.get(), 1), "ECHO ping\r\n");
}

TEST_F(ServerTest, NoWakeupIsLost) {
    start();
    std::vector<maild::UniqueFd> clients;
    for (int i = 0; i < 40; ++i) {
        clients.push_back(connect_to(port_));
        ASSERT_EQ(read_lines(clients.back().get(), 1), "HELLO\r\n");
    }
    // Each round wakes every session once, while earlier rounds' sessions may still be busy
    // writing: each must report it (a session never sleeps through a wake-up). A read that
    // times out (5 s) returns less and fails the test.
    for (int round = 0; round < 20; ++round) {
        ASSERT_EQ(factory_.live.wake_all(), clients.size());
        for (auto& client : clients) ASSERT_EQ(read_lines(client.get(), 1), "WOKEN\r\n") << "round " << round;
    }
    for (auto& client : clients) {
        send_all(client.get(), "ping\r\n");
        EXPECT_EQ(read_lines(client.get(), 1), "ECHO ping\r\n");
    }
}

TEST_F(ServerTest, AFailingSessionOnlyCostsItsOwnConnection) {
    start();
    auto bad = connect_to(port_);
    auto good = connect_to(port_);
    ASSERT_EQ(read_lines(bad.get(), 1), "HELLO\r\n");
    ASSERT_EQ(read_lines(good.get(), 1), "HELLO\r\n");
    send_all(bad.get(), "THROW\r\n");
    EXPECT_TRUE(at_eof(bad.get()));
    send_all(good.get(), "still\r\n");
    EXPECT_EQ(read_lines(good.get(), 1), "ECHO still\r\n");
    wait_for_live(1);
}

}  // namespace
