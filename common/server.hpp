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
#include <string>
#include <vector>

#include "common/connection_registry.hpp"
#include "common/net.hpp"
#include "common/session.hpp"
#include "common/unique_fd.hpp"

namespace maild {

struct ServerOptions {
    std::vector<std::string> listen_addresses = {"0.0.0.0", "::"};
    std::uint16_t port = 0;
    std::size_t max_connections = 1000;
    std::chrono::milliseconds write_timeout{std::chrono::minutes(5)};
    std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(10)};
    std::size_t thread_stack_bytes = 256 * 1024;
    int listen_backlog = 128;
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
    void accept_ready(int listen_fd);
    void serve(net::Accepted accepted);

    ServerOptions options_;
    SessionFactory& factory_;
    std::vector<net::Listener> listeners_;
    UniqueFd stop_fd_;  ///< eventfd; readable once stop() was called, polled by every thread
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> next_connection_id_{1};
    ConnectionRegistry registry_;
};

}  // namespace maild
