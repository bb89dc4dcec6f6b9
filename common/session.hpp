// The seam between the socket core and a protocol.
//
// A Session is a sans-I/O state machine: the connection loop in server.cpp feeds it the bytes it
// read and writes out whatever the session queued. A Session never touches a socket, so protocol
// code is tested and fuzzed with plain strings. One Session is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/wakeup.hpp"

namespace maild {

/// Facts about the peer and the listener, fixed for the life of a connection.
struct ConnectionInfo {
    std::uint64_t id = 0;      ///< process-unique connection id, used in every log line
    std::string peer_address;  ///< numeric address of the client, e.g. "127.0.0.1" or "::1"
    std::uint16_t peer_port = 0;
    std::string local_address;  ///< numeric address the client connected to
    std::uint16_t local_port = 0;
    bool tls = false;            ///< encrypted from the first byte (an implicit-TLS listener)
    bool tls_available = false;  ///< the session may offer STARTTLS (a certificate is configured)
    bool tls_required = false;   ///< a "starttls" listener: nothing sensitive before STARTTLS
    std::string role;            ///< the listener's role for the protocol, e.g. "submission"
    /// Wakes the connection's thread from its wait for the peer; on_wake() follows. Lives as long
    /// as the session (owned by the core; null where no core drives the session, as in tests).
    Wakeup* wakeup = nullptr;
    /// Writes bytes to the peer now, before the command that produced them has ended: a session
    /// hands over everything it has queued, in order, once a long response (a FETCH over a large
    /// mailbox) has grown past a few dozen KiB, so that the response is never held whole. False
    /// once the peer is gone or too slow; the core then closes after the command. Empty where no
    /// core drives the session (tests): the output then stays queued for take_output().
    std::function<bool(std::string_view)> write_now;
    bool loopback() const;  ///< the peer is 127.0.0.0/8 or ::1
};

class Session {
public:
    virtual ~Session() = default;

    /// Queues the greeting (called once, before any feed()).
    virtual void start() = 0;
    /// Consumes bytes the peer sent; may queue replies and may ask to close.
    virtual void feed(std::string_view bytes) = 0;
    /// Moves out every byte queued for the peer since the last call.
    virtual std::string take_output() = 0;
    /// True once the session wants the connection closed (after its output is flushed).
    virtual bool wants_close() const = 0;
    /// How long the session waits for the peer's next bytes before on_timeout().
    virtual std::chrono::milliseconds read_timeout() const = 0;
    /// The peer was silent for read_timeout(): queue the protocol's goodbye; the core then closes.
    virtual void on_timeout() = 0;
    /// The server is shutting down: queue the protocol's goodbye; the core then closes.
    virtual void on_shutdown() = 0;
    /// The peer closed or reset the connection; nothing can be sent any more.
    virtual void on_disconnect() {}
    /// ConnectionInfo::wakeup was woken (by another thread, any number of times since the last
    /// call). The session's output is flushed afterwards: this is how a session waiting for its
    /// client (IMAP IDLE) learns of changes made by other sessions or processes.
    virtual void on_wake() {}
    /// True (once) after the session queued its go-ahead for STARTTLS. The core then flushes the
    /// output, runs the TLS handshake and calls on_tls_started(), or closes the connection if the
    /// handshake fails. The session must drop every byte it received after the STARTTLS command:
    /// plaintext sent ahead of the handshake must never count as sent inside TLS.
    virtual bool take_starttls_request() { return false; }
    virtual void on_tls_started() {}
};

/// Creates one Session per accepted connection. Shared by all connection threads: thread-safe.
class SessionFactory {
public:
    virtual ~SessionFactory() = default;
    virtual std::unique_ptr<Session> create(const ConnectionInfo& info) = 0;
    /// The reply sent to a connection refused because max-connections are open
    /// (SMTP: "421 ... try again later"), after which it is closed.
    virtual std::string busy_reply() const = 0;
};

}  // namespace maild
