// The accept loop and the per-connection threads (the shape of the seed notes: socket, bind,
// listen, accept; one detached pthread per connection; mutexes around shared state).
//
// Server binds every configured address, then run() accepts until stop() is called (from the
// signal thread). Each connection gets a detached pthread with a small stack that drives one
// Session: read -> feed -> write, with the session's read timeout and the write timeout. Past
// max_connections a client gets the factory's busy reply and is closed. stop() wakes the accept
// loop and every connection (one shared eventfd); sessions say goodbye (421) and run() returns
// once all have finished or shutdown_timeout passed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/connection_registry.hpp"
#include "common/connection_threads.hpp"
#include "common/cpu_scheduling.hpp"
#include "common/net.hpp"
#include "common/session.hpp"
#include "common/tls.hpp"
#include "common/unique_fd.hpp"

namespace maild {

/// How a listener treats TLS.
enum class TlsMode {
    plain,     ///< clear text; STARTTLS is offered when a certificate is configured
    starttls,  ///< clear text until STARTTLS, which is required before anything sensitive
    implicit,  ///< TLS from the first byte (RFC 8314: ports 465 and 993)
};

/// One extra listener: "ADDRESS:PORT[:MODE[:ROLE]]", e.g. "0.0.0.0:993:implicit",
/// "[::]:587:starttls:submission". The role is passed to the session as it is.
struct ListenerSpec {
    std::string address;
    std::uint16_t port = 0;
    TlsMode mode = TlsMode::plain;
    std::string role;
    /// Parses the form above. Throws std::invalid_argument with a reason.
    static ListenerSpec parse(const std::string& text);
};

struct ServerOptions {
    std::vector<std::string> listen_addresses = {"0.0.0.0", "::"};
    std::uint16_t port = 0;  ///< for listen_addresses (plain listeners)
    std::vector<ListenerSpec> extra_listeners;
    /// The certificate and key; null when none is configured (then only plain listeners).
    std::shared_ptr<const TlsContext> tls;
    std::chrono::milliseconds tls_handshake_timeout{std::chrono::seconds(30)};
    std::size_t max_connections = 1000;
    std::chrono::milliseconds write_timeout{std::chrono::minutes(5)};
    std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(10)};
    std::size_t thread_stack_bytes = 256 * 1024;
    /// Threads kept waiting for the next connection after theirs ended (each exits after 10 s).
    std::size_t spare_threads = 32;
    int listen_backlog = 1024;
    /// Applied by the daemon's main() before its first thread starts (see cpu_scheduling.hpp).
    CpuScheduling cpu_scheduling = CpuScheduling::batch;
};

class Server {
public:
    /// factory must outlive the Server.
    Server(ServerOptions options, SessionFactory& factory);
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server();

    /// Binds every listen address. Throws net::BindError (with an actionable message). An IPv6
    /// address on a machine without IPv6 is skipped with a warning if another address was bound.
    /// Errors about an address are thrown at once: no port is half-configured.
    void bind();
    /// The bound endpoints (after bind()), e.g. to learn the port when 0 was asked for.
    const std::vector<net::Listener>& listeners() const { return listeners_; }
    /// Accepts connections until stop(); then waits for the sessions to end. Returns true when
    /// every session finished within shutdown_timeout.
    bool run();
    /// Thread-safe and idempotent; may be called from any thread (not from a signal handler).
    void stop();
    std::size_t live_connections() const { return registry_.live(); }

private:
    void raise_descriptor_limit();
    void accept_ready(std::size_t listener);
    void serve(net::Accepted accepted, const ListenerSpec& spec);

    ServerOptions options_;
    SessionFactory& factory_;
    std::vector<net::Listener> listeners_;
    std::vector<ListenerSpec> listener_specs_;  ///< parallel to listeners_
    UniqueFd stop_fd_;                          ///< eventfd; readable once stop() was called, polled by every thread
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> next_connection_id_{1};
    ConnectionRegistry registry_;
    std::shared_ptr<ConnectionThreads> threads_;
};

}  // namespace maild
