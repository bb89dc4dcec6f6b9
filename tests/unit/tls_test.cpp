// TLS in the socket core: implicit TLS listeners, STARTTLS with the plaintext-injection defence,
// and clear start-up errors for bad certificate files.
#include "common/tls.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/line_buffer.hpp"
#include "common/log.hpp"
#include "common/server.hpp"

namespace {

using namespace std::chrono_literals;

/// Echo protocol with STARTTLS: "STARTTLS" → "GO", handshake, then "TLS"; everything the client
/// sent after STARTTLS in clear is dropped.
class TlsEchoSession final : public maild::Session {
public:
    explicit TlsEchoSession(bool tls) : tls_(tls) {}
    void start() override { out_ += tls_ ? "HELLO TLS\r\n" : "HELLO\r\n"; }
    void feed(std::string_view bytes) override {
        lines_.append(bytes);
        for (auto r = lines_.take_line(); r.status != maild::LineBuffer::Status::need_more; r = lines_.take_line()) {
            if (r.line == "STARTTLS" && !tls_) {
                out_ += "GO\r\n";
                starttls_ = true;
                lines_.take_rest();  // never act on what came in clear after STARTTLS
                return;
            }
            out_ += "ECHO " + r.line + "\r\n";
        }
    }
    std::string take_output() override { return std::exchange(out_, {}); }
    bool wants_close() const override { return false; }
    std::chrono::milliseconds read_timeout() const override { return 10s; }
    void on_timeout() override {}
    void on_shutdown() override {}
    bool take_starttls_request() override { return std::exchange(starttls_, false); }
    void on_tls_started() override {
        tls_ = true;
        out_ += "TLS\r\n";
    }

private:
    bool tls_;
    bool starttls_ = false;
    maild::LineBuffer lines_{1000};
    std::string out_;
};

class TlsEchoFactory final : public maild::SessionFactory {
public:
    std::unique_ptr<maild::Session> create(const maild::ConnectionInfo& info) override {
        return std::make_unique<TlsEchoSession>(info.tls);
    }
    std::string busy_reply() const override { return "BUSY\r\n"; }
};

class TlsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = std::filesystem::temp_directory_path() / ("maild-tls-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        std::string command =
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
            "-subj /CN=localhost -keyout " +
            (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " >/dev/null 2>&1";
        ASSERT_EQ(std::system(command.c_str()), 0) << "openssl req failed";
    }
    static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

    void SetUp() override { maild::log::set_level(maild::log::Level::off); }
    void TearDown() override {
        if (server_) server_->stop();
        if (runner_.joinable()) runner_.join();
    }

    void start() {
        maild::ServerOptions options;
        options.listen_addresses = {"127.0.0.1"};
        options.port = 0;
        options.extra_listeners = {maild::ListenerSpec::parse("127.0.0.1:0:implicit")};
        options.tls = std::make_shared<maild::TlsContext>((dir_ / "cert.pem").string(), (dir_ / "key.pem").string());
        options.shutdown_timeout = 5s;
        server_ = std::make_unique<maild::Server>(options, factory_);
        server_->bind();
        plain_port_ = server_->listeners().at(0).port;
        tls_port_ = server_->listeners().at(1).port;
        runner_ = std::thread([this] { server_->run(); });
    }

    static int connect_to(std::uint16_t port) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval tv{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        return fd;
    }

    /// A blocking TLS client on fd.
    struct Client {
        SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
        SSL* ssl = nullptr;
        int fd;
        explicit Client(int socket) : fd(socket) {}
        ~Client() {
            if (ssl) SSL_free(ssl);
            SSL_CTX_free(ctx);
            ::close(fd);
        }
        bool handshake() {
            ssl = SSL_new(ctx);
            SSL_set_fd(ssl, fd);
            return SSL_connect(ssl) == 1;
        }
        std::string line() {
            std::string out;
            char c;
            while (ssl ? SSL_read(ssl, &c, 1) == 1 : ::recv(fd, &c, 1, 0) == 1) {
                out += c;
                if (c == '\n') break;
            }
            return out;
        }
        void send(const std::string& text) {
            if (ssl) {
                SSL_write(ssl, text.data(), static_cast<int>(text.size()));
            } else {
                ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
            }
        }
    };

    static inline std::filesystem::path dir_;
    TlsEchoFactory factory_;
    std::unique_ptr<maild::Server> server_;
    std::thread runner_;
    std::uint16_t plain_port_ = 0, tls_port_ = 0;
};

TEST_F(TlsTest, ImplicitTlsListener) {
    start();
    Client client(connect_to(tls_port_));
    ASSERT_TRUE(client.handshake());
    EXPECT_EQ(client.line(), "HELLO TLS\r\n");
    client.send("ping\r\n");
    EXPECT_EQ(client.line(), "ECHO ping\r\n");
    EXPECT_GE(SSL_version(client.ssl), TLS1_2_VERSION);
}

TEST_F(TlsTest, StartTlsDropsPlaintextSentAhead) {
    start();
    Client client(connect_to(plain_port_));
    EXPECT_EQ(client.line(), "HELLO\r\n");
    client.send("STARTTLS\r\nINJECTED\r\n");  // the CVE-2011-0411 pattern: one packet
    EXPECT_EQ(client.line(), "GO\r\n");
    ASSERT_TRUE(client.handshake());
    EXPECT_EQ(client.line(), "TLS\r\n");
    client.send("ping\r\n");
    EXPECT_EQ(client.line(), "ECHO ping\r\n");  // not "ECHO INJECTED"
}

TEST_F(TlsTest, PlaintextOnTheTlsPortFailsTheHandshake) {
    start();
    int fd = connect_to(tls_port_);
    const char hello[] = "HELLO THERE\r\n";
    ::send(fd, hello, sizeof hello - 1, MSG_NOSIGNAL);
    char c;
    EXPECT_LE(::recv(fd, &c, 1, 0), 1);  // an alert or EOF, never a session
    ::close(fd);
    Client client(connect_to(tls_port_));  // and the server still serves others
    EXPECT_TRUE(client.handshake());
}

TEST_F(TlsTest, BadCertificateFilesAreClearErrors) {
    auto expect_error = [](const std::string& cert, const std::string& key, const std::string& fragment) {
        try {
            maild::TlsContext context(cert, key);
            ADD_FAILURE() << "no error for " << cert << " " << key;
        } catch (const maild::TlsError& e) {
            EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
        }
    };
    expect_error((dir_ / "missing.pem").string(), (dir_ / "key.pem").string(), "missing.pem");
    expect_error((dir_ / "cert.pem").string(), (dir_ / "missing-key.pem").string(), "missing-key.pem");
    std::ofstream(dir_ / "garbage.pem") << "not a certificate\n";
    expect_error((dir_ / "garbage.pem").string(), (dir_ / "key.pem").string(), "garbage.pem");
}

TEST(ListenerSpec, Parsing) {
    auto spec = maild::ListenerSpec::parse("[::1]:587:starttls:submission");
    EXPECT_EQ(spec.address, "::1");
    EXPECT_EQ(spec.port, 587);
    EXPECT_EQ(spec.mode, maild::TlsMode::starttls);
    EXPECT_EQ(spec.role, "submission");
    EXPECT_EQ(maild::ListenerSpec::parse("0.0.0.0:993:implicit").mode, maild::TlsMode::implicit);
    EXPECT_EQ(maild::ListenerSpec::parse("127.0.0.1:25").mode, maild::TlsMode::plain);
    for (const char* bad : {"127.0.0.1", "127.0.0.1:x", "127.0.0.1:70000", "1.2.3.4:25:tls", "[::1:25", ""}) {
        EXPECT_THROW(maild::ListenerSpec::parse(bad), std::invalid_argument) << bad;
    }
}

}  // namespace
