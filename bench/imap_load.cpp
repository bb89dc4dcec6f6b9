#include "bench/imap_load.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/unique_fd.hpp"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

enum Command { login, select, fetch_flags, fetch_envelope, fetch_body, store, append, expunge, logout, command_count };
constexpr const char* command_names[] = {"LOGIN", "SELECT", "FETCH FLAGS", "FETCH ENVELOPE", "FETCH BODY[]",
                                         "STORE", "APPEND", "EXPUNGE",     "LOGOUT"};

/// A dropped connection or an unexpected reply; the client reconnects.
struct ProtocolError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// One blocking IMAP connection that reads whole responses (with literals) and tracks EXISTS.
class Connection {
public:
    Connection(const std::string& host, std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        if (!fd_) throw ProtocolError("socket failed");
        int one = 1;
        ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        timeval timeout{60, 0};
        ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) throw std::invalid_argument("bad host");
        if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw ProtocolError("connect failed");
        std::string greeting = line();
        if (greeting.rfind("* OK", 0) != 0) throw ProtocolError("greeting: " + greeting);
    }

    std::uint32_t exists() const { return exists_; }
    std::uint64_t expunge_races() const { return expunge_races_; }

    /// Sends "TAG text" and reads to the tagged reply; throws unless it is OK.
    void command(const std::string& text) {
        std::string tag = next_tag();
        send(tag + " " + text + "\r\n");
        finish(tag, text);
    }

    /// APPEND with a synchronizing literal (every server has those).
    void append(const std::string& mailbox, const std::string& message) {
        std::string tag = next_tag();
        send(tag + " APPEND " + mailbox + " {" + std::to_string(message.size()) + "}\r\n");
        for (;;) {
            std::string reply = line();
            if (reply.rfind("+", 0) == 0) break;
            if (reply.rfind(tag + " ", 0) == 0) throw ProtocolError("APPEND: " + reply);
        }
        send(message + "\r\n");
        finish(tag, "APPEND");
    }

private:
    std::string next_tag() { return "a" + std::to_string(++tag_); }

    void finish(const std::string& tag, const std::string& what) {
        for (;;) {
            std::string reply = response();
            if (reply.rfind(tag + " ", 0) == 0) {
                if (reply.compare(tag.size() + 1, 2, "OK") == 0) return;
                // Another client expunged some of the messages asked for (RFC 5530): a race the
                // mix provokes on purpose, answered as the RFC says; not an error.
                if (reply.compare(tag.size() + 1, 18, "NO [EXPUNGEISSUED]") == 0) {
                    ++expunge_races_;
                    return;
                }
                throw ProtocolError(what.substr(0, 40) + ": " + reply.substr(0, 200));
            }
            track(reply);
        }
    }

    /// "* N EXISTS" and "* N EXPUNGE" keep the message count right for the ranges we ask for.
    void track(const std::string& reply) {
        unsigned long n = 0;
        char word[16] = {};
        if (std::sscanf(reply.c_str(), "* %lu %15s", &n, word) != 2) return;
        std::string_view w(word);
        if (w == "EXISTS") exists_ = static_cast<std::uint32_t>(n);
        if (w == "EXPUNGE" && exists_ > 0) --exists_;
    }

    /// One response: a line, with any literals it announces read and appended.
    std::string response() {
        std::string text = line();
        while (!text.empty() && text.back() == '}') {
            auto open = text.rfind('{');
            if (open == std::string::npos) break;
            std::size_t size = std::stoul(text.substr(open + 1));
            text += read_exact(size);
            text += line();
        }
        return text;
    }

    std::string line() {
        for (;;) {
            auto end = buffer_.find("\r\n", scanned_);
            if (end != std::string::npos) {
                std::string out = buffer_.substr(0, end);
                buffer_.erase(0, end + 2);
                scanned_ = 0;
                return out;
            }
            scanned_ = buffer_.size() > 0 ? buffer_.size() - 1 : 0;
            fill();
        }
    }

    std::string read_exact(std::size_t size) {
        while (buffer_.size() < size) fill();
        std::string out = buffer_.substr(0, size);
        buffer_.erase(0, size);
        scanned_ = 0;
        return out;
    }

    void fill() {
        std::array<char, 65536> chunk;
        ssize_t n = ::recv(fd_.get(), chunk.data(), chunk.size(), 0);
        if (n <= 0) throw ProtocolError(n == 0 ? "connection closed by server" : "read failed or timed out");
        buffer_.append(chunk.data(), static_cast<std::size_t>(n));
    }

    void send(const std::string& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            ssize_t n = ::send(fd_.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) throw ProtocolError("write failed");
            sent += static_cast<std::size_t>(n);
        }
    }

    maild::UniqueFd fd_;
    std::string buffer_;
    std::size_t scanned_ = 0;
    std::uint64_t tag_ = 0;
    std::uint32_t exists_ = 0;
    std::uint64_t expunge_races_ = 0;
};

std::string make_message(std::mt19937_64& random) {
    static const char* const words[] = {"status", "budget", "release", "meeting", "review", "lunch", "plan"};
    std::string subject = std::string(words[random() % 7]) + " " + std::to_string(random() % 100000);
    std::string message = "From: Load <load@bench.test>\r\nTo: <user@bench.test>\r\nSubject: " + subject +
                          "\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <" + std::to_string(random()) +
                          "@bench.test>\r\n\r\n";
    std::size_t size = 1000 + random() % 4000;
    while (message.size() < size) message += "A line of text about the " + subject + ", to fill the body.\r\n";
    return message;
}

struct ClientStats {
    std::array<std::vector<std::uint32_t>, command_count> latencies_us;
    std::uint64_t errors = 0;
    std::uint64_t expunge_races = 0;
    std::vector<std::string> first_errors;
};

/// Times one command into stats.
template <typename Fn>
void timed(ClientStats& stats, Command which, Fn&& fn) {
    auto started = Clock::now();
    fn();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
    stats.latencies_us[which].push_back(static_cast<std::uint32_t>(us));
}

std::string user_name(const ImapLoadOptions& o, unsigned n) {
    return o.user_prefix + std::to_string(n) + "@" + o.domain;
}

void run_session(const ImapLoadOptions& o, std::mt19937_64& random, ClientStats& stats, Clock::time_point deadline) {
    Connection c(o.host, o.port);
    std::string user = user_name(o, 1 + static_cast<unsigned>(random() % o.users));
    timed(stats, login, [&] { c.command("LOGIN \"" + user + "\" \"" + o.password + "\""); });
    timed(stats, select, [&] { c.command("SELECT INBOX"); });
    // The mix, by weight: reads dominate, as with real clients.
    static constexpr Command mix[] = {fetch_flags, fetch_flags, fetch_flags, fetch_envelope, fetch_envelope, fetch_body,
                                      fetch_body,  store,       store,       store,          append,         expunge};
    int commands = 5 + static_cast<int>(random() % 16);
    for (int i = 0; i < commands && Clock::now() < deadline; ++i) {
        Command which = mix[random() % std::size(mix)];
        std::uint32_t exists = c.exists();
        if (exists == 0 && which != append) which = append;
        std::uint32_t first = exists ? 1 + static_cast<std::uint32_t>(random() % exists) : 0;
        std::uint32_t last = std::min(exists, first + static_cast<std::uint32_t>(random() % 10));
        std::string range = std::to_string(first) + ":" + std::to_string(last);
        switch (which) {
            case fetch_flags: timed(stats, which, [&] { c.command("FETCH " + range + " (UID FLAGS)"); }); break;
            case fetch_envelope:
                timed(stats, which, [&] { c.command("FETCH " + range + " (UID RFC822.SIZE ENVELOPE)"); });
                break;
            case fetch_body:
                timed(stats, which, [&] { c.command("FETCH " + std::to_string(first) + " (UID BODY.PEEK[])"); });
                break;
            case store:
                timed(stats, which, [&] {
                    c.command("STORE " + range + (random() % 2 ? " +FLAGS" : " -FLAGS") + " (\\Seen \\Flagged)");
                });
                break;
            case append: {
                std::string message = make_message(random);
                timed(stats, which, [&] { c.append("INBOX", message); });
                break;
            }
            case expunge:
                timed(stats, which, [&] {
                    c.command("STORE " + std::to_string(first) + " +FLAGS.SILENT (\\Deleted)");
                    c.command("EXPUNGE");
                });
                break;
            default: break;
        }
    }
    timed(stats, logout, [&] { c.command("LOGOUT"); });
    stats.expunge_races += c.expunge_races();
}

void prefill(const ImapLoadOptions& o) {
    std::mt19937_64 random(42);
    for (unsigned u = 1; u <= o.users; ++u) {
        Connection c(o.host, o.port);
        c.command("LOGIN \"" + user_name(o, u) + "\" \"" + o.password + "\"");
        for (unsigned i = 0; i < o.prefill; ++i) c.append("INBOX", make_message(random));
        c.command("LOGOUT");
    }
}

double percentile(std::vector<std::uint32_t>& values, double p) {
    if (values.empty()) return 0;
    std::size_t index = std::min(values.size() - 1, static_cast<std::size_t>(p / 100 * (values.size() - 1) + 0.5));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index), values.end());
    return values[index] / 1000.0;
}

}  // namespace

int run_imap_load(const ImapLoadOptions& options) {
    if (options.prefill) prefill(options);
    std::vector<ClientStats> stats(options.clients);
    const auto started = Clock::now();
    const auto deadline =
        started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
    std::vector<std::thread> clients;
    for (unsigned i = 0; i < options.clients; ++i) {
        clients.emplace_back([&, i] {
            std::mt19937_64 random(1000 + i);
            while (Clock::now() < deadline) {
                try {
                    run_session(options, random, stats[i], deadline);
                } catch (const ProtocolError& e) {
                    ++stats[i].errors;
                    if (stats[i].first_errors.size() < 3) stats[i].first_errors.push_back(e.what());
                }
            }
        });
    }
    for (auto& t : clients) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();

    ClientStats all;
    for (auto& s : stats) {
        for (int k = 0; k < command_count; ++k)
            all.latencies_us[k].insert(all.latencies_us[k].end(), s.latencies_us[k].begin(), s.latencies_us[k].end());
        all.errors += s.errors;
        all.expunge_races += s.expunge_races;
        for (auto& e : s.first_errors)
            if (all.first_errors.size() < 5) all.first_errors.push_back(e);
    }
    std::uint64_t total = 0;
    std::printf("%-16s %9s %10s %9s %9s\n", "command", "count", "per s", "p50 ms", "p99 ms");
    for (int k = 0; k < command_count; ++k) {
        auto& v = all.latencies_us[k];
        total += v.size();
        double p50 = percentile(v, 50), p99 = percentile(v, 99);
        std::printf("%-16s %9zu %10.0f %9.2f %9.2f\n", command_names[k], v.size(), v.size() / elapsed, p50, p99);
    }
    std::printf("%-16s %9llu %10.0f   (%u clients, %.1f s, %llu protocol errors, %llu NO [EXPUNGEISSUED])\n", "all",
                (unsigned long long)total, total / elapsed, options.clients, elapsed, (unsigned long long)all.errors,
                (unsigned long long)all.expunge_races);
    for (const auto& e : all.first_errors) std::printf("  error: %s\n", e.c_str());
    return all.errors ? 1 : 0;
}

}  // namespace bench
