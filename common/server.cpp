#include "common/server.hpp"

#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>
#include <thread>

#include "common/log.hpp"
#include "common/memory.hpp"
#include "common/stream.hpp"

namespace maild {
namespace {

/// Everything one connection thread needs; owned by that thread.
struct ConnectionTask {
    SessionFactory& factory;
    TlsMode mode;
    ConnectionRegistry& registry;
    const ServerOptions& options;
    int stop_fd;
    ConnectionInfo info;
    UniqueFd fd;
};

/// Reads per recv(); the session buffers what it needs on the heap.
constexpr std::size_t read_chunk_bytes = 16 * 1024;

bool handshake(SocketStream& stream, const ConnectionTask& task) {
    std::string error;
    if (!stream.start_tls(*task.options.tls, task.options.tls_handshake_timeout, error)) {
        log::info(task.info.id, "event=tls-failed error=\"" + log::sanitize(error) + "\"");
        return false;
    }
    log::info(task.info.id, "event=tls-started protocol=\"" + stream.tls_description() + "\"");
    return true;
}

const char* drive_session(ConnectionTask& task) {
    SocketStream stream(std::move(task.fd), task.stop_fd);
    if (task.mode == TlsMode::implicit && !handshake(stream, task)) return "tls-failed";
    Wakeup wakeup;  // outlives the session, which may hand it to other threads
    task.info.wakeup = &wakeup;
    bool write_failed = false;  // by the session's own write_now(), mid-command
    task.info.write_now = [&](std::string_view bytes) {
        if (!write_failed && !stream.write_all(bytes, task.options.write_timeout)) write_failed = true;
        return !write_failed;
    };
    std::unique_ptr<Session> session = task.factory.create(task.info);
    auto flush = [&]() {
        if (write_failed) return false;  // the peer is gone or too slow: no second wait for it
        std::string out = session->take_output();
        if (!out.empty() && !stream.write_all(out, task.options.write_timeout)) return false;
        if (session->take_starttls_request()) {
            // The go-ahead is on the wire; what follows is the handshake, never clear text.
            if (!task.options.tls || !handshake(stream, task)) return false;
            session->on_tls_started();
            out = session->take_output();
            if (!out.empty() && !stream.write_all(out, task.options.write_timeout)) return false;
        }
        return true;
    };
    session->start();
    if (!flush()) return "write-failed";
    std::array<char, read_chunk_bytes> buffer;
    while (!session->wants_close()) {
        auto result = stream.read_some(buffer.data(), buffer.size(), session->read_timeout(), &wakeup);
        switch (result.status) {
            case SocketStream::ReadStatus::data:
                session->feed(std::string_view(buffer.data(), result.bytes));
                if (!flush()) return "write-failed";
                break;
            case SocketStream::ReadStatus::closed:
                session->on_disconnect();
                return result.error == ECONNRESET ? "peer-reset" : "peer-closed";
            case SocketStream::ReadStatus::woken:
                wakeup.take();
                session->on_wake();
                if (!flush()) return "write-failed";
                break;
            case SocketStream::ReadStatus::timeout:
                session->on_timeout();
                flush();
                return "timeout";
            case SocketStream::ReadStatus::stopped:
                session->on_shutdown();
                flush();
                return "shutdown";
            case SocketStream::ReadStatus::error:
                log::warn(task.info.id, std::string("event=read-error error=\"") + std::strerror(result.error) + "\"");
                session->on_disconnect();
                return "read-error";
        }
    }
    return "closed-by-server";
}

void log_connect(const ConnectionInfo& info) {
    log::info(info.id, "event=connect peer=" + info.peer_address + ":" + std::to_string(info.peer_port) +
                           " local=" + info.local_address + ":" + std::to_string(info.local_port));
}

/// Serves one connection on the calling thread; releases the task before the last touch of
/// shared state (the registry), after which the server may be gone.
void run_connection(std::shared_ptr<ConnectionTask>& task) {
    const auto started = std::chrono::steady_clock::now();
    log_connect(task->info);  // here, not on the accept thread: that one only accepts
    const char* reason = "internal-error";
    try {
        reason = drive_session(*task);  // the socket is closed when this returns
    } catch (const std::exception& e) {
        // A bug or resource failure in one session must not take the daemon down: log it, drop
        // this connection, keep serving the others.
        log::error(task->info.id, std::string("event=session-failed error=\"") + log::sanitize(e.what()) + "\"");
    }
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    log::info(task->info.id,
              std::string("event=disconnect reason=") + reason + " duration_ms=" + std::to_string(elapsed.count()));
    ConnectionRegistry& registry = task->registry;
    task.reset();
    if (registry.remove() == 0) release_memory_when_idle();  // remove(): the last touch of shared state
}

}  // namespace

Server::Server(ServerOptions options, SessionFactory& factory)
    : options_(std::move(options)),
      factory_(factory),
      stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      registry_(options_.max_connections),
      // A thread frees OpenSSL's per-thread state (its random generators) before it counts as
      // exited: left to the thread-exit destructor, a thread still leaving when the process ends
      // would race OpenSSL's own clean-up at exit and leave that state behind.
      threads_(std::make_shared<ConnectionThreads>(options_.thread_stack_bytes, options_.spare_threads,
                                                   std::chrono::seconds(10), [] { OPENSSL_thread_stop(); })) {
    if (!stop_fd_) throw std::system_error(errno, std::generic_category(), "eventfd");
    // A peer that vanishes must cost only its connection: writes (ours, and OpenSSL's, which
    // uses write(2) without MSG_NOSIGNAL) then fail with EPIPE instead of killing the process.
    ::signal(SIGPIPE, SIG_IGN);
}

Server::~Server() { threads_->stop(); }

void Server::raise_descriptor_limit() {
    // Each connection holds its socket (a TLS or IDLE session no more than that); the store and
    // listeners need a few. Use what the hard limit allows, and say so when even that is short of
    // max-connections.
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    const rlim_t needed = static_cast<rlim_t>(options_.max_connections) + 128;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
        log::warn(0, "event=descriptor-limit limit=" + std::to_string(limit.rlim_cur) +
                         " max_connections=" + std::to_string(options_.max_connections) +
                         " hint=\"each connection needs a descriptor: raise LimitNOFILE (systemd) or "
                         "ulimit -n to " +
                         std::to_string(needed) + ", or lower max-connections\"");
    }
}

void Server::bind() {
    raise_descriptor_limit();
    listeners_.clear();
    listener_specs_.clear();
    std::vector<ListenerSpec> specs;
    for (const auto& address : options_.listen_addresses)
        specs.push_back(ListenerSpec{address, options_.port, TlsMode::plain, ""});
    specs.insert(specs.end(), options_.extra_listeners.begin(), options_.extra_listeners.end());
    std::vector<std::string> skipped;
    for (const auto& spec : specs) {
        if (spec.mode != TlsMode::plain && !options_.tls) {
            throw net::BindError("listener " + spec.address + ":" + std::to_string(spec.port) +
                                 " wants TLS, but no certificate is configured (set --tls-cert and --tls-key)");
        }
        try {
            listeners_.push_back(net::listen_on(spec.address, spec.port, options_.listen_backlog));
            listener_specs_.push_back(spec);
        } catch (const net::BindError& e) {
            // A dual-stack setting on a host without IPv6 should not stop the daemon.
            bool ipv6 = spec.address.find(':') != std::string::npos;
            if (ipv6 && (e.error() == EAFNOSUPPORT || e.error() == EADDRNOTAVAIL)) {
                skipped.push_back(e.what());
                continue;
            }
            throw;
        }
    }
    if (listeners_.empty() && !skipped.empty()) throw net::BindError(skipped.front());
    for (const auto& why : skipped) log::warn(0, "event=listen-skipped reason=\"" + why + "\"");
    static constexpr const char* mode_names[] = {"plain", "starttls", "implicit"};
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
        const auto& spec = listener_specs_[i];
        log::info(0, "event=listening address=" + listeners_[i].display() + " mode=" +
                         mode_names[static_cast<int>(spec.mode)] + (spec.role.empty() ? "" : " role=" + spec.role));
    }
}

void Server::stop() {
    if (stopping_.exchange(true)) return;
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(stop_fd_.get(), &one, sizeof one);
}

bool Server::run() {
    std::vector<pollfd> fds;
    for (const auto& l : listeners_) fds.push_back({l.fd.get(), POLLIN, 0});
    fds.push_back({stop_fd_.get(), POLLIN, 0});
    while (!stopping_.load()) {
        int n = ::poll(fds.data(), fds.size(), -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            log::error(0, std::string("event=poll-failed error=\"") + std::strerror(errno) + "\"");
            break;
        }
        for (std::size_t i = 0; i + 1 < fds.size(); ++i) {
            if (fds[i].revents & POLLIN) accept_ready(i);
        }
    }
    listeners_.clear();  // stop accepting: new clients get "connection refused"
    std::size_t live = registry_.live();
    log::info(0, "event=shutdown open_sessions=" + std::to_string(live));
    bool clean = registry_.wait_until_empty(options_.shutdown_timeout);
    threads_->stop();
    if (!clean) {
        log::warn(0, "event=shutdown-timeout open_sessions=" + std::to_string(registry_.live()));
        return false;
    }
    // Every session has ended; the threads that served them are leaving. Whoever ends the
    // process after this return finds none of them half-way out.
    if (!threads_->wait_until_exited(options_.shutdown_timeout)) {
        log::warn(0, "event=shutdown-timeout threads=" + std::to_string(threads_->live()));
        return false;
    }
    return true;
}

void Server::accept_ready(std::size_t listener) {
    for (;;) {
        int err = 0;
        net::Accepted accepted = net::accept_one(listeners_[listener], err);
        if (!accepted.fd) {
            if (err == EAGAIN || err == EWOULDBLOCK || err == ECONNABORTED || err == EINTR) return;
            // EMFILE/ENFILE/ENOMEM: the connection stays in the backlog; back off briefly so the
            // loop does not spin while sessions end and free descriptors.
            log::error(0, std::string("event=accept-failed error=\"") + std::strerror(err) + "\"");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            return;
        }
        serve(std::move(accepted), listener_specs_[listener]);
    }
}

void Server::serve(net::Accepted accepted, const ListenerSpec& spec) {
    ConnectionInfo info;
    info.tls = spec.mode == TlsMode::implicit;
    info.tls_available = options_.tls != nullptr;
    info.tls_required = spec.mode == TlsMode::starttls;
    info.role = spec.role;
    info.id = next_connection_id_.fetch_add(1);
    info.peer_address = std::move(accepted.peer_address);
    info.peer_port = accepted.peer_port;
    info.local_address = std::move(accepted.local_address);
    info.local_port = accepted.local_port;
    auto peer = [](const ConnectionInfo& i) { return "peer=" + i.peer_address + ":" + std::to_string(i.peer_port); };

    if (!registry_.try_add()) {
        log::warn(info.id, "event=refused reason=max-connections " + peer(info) +
                               " max_connections=" + std::to_string(options_.max_connections));
        if (spec.mode != TlsMode::implicit) {  // on a TLS port, clear text would only confuse the client
            SocketStream(std::move(accepted.fd), -1).write_best_effort(factory_.busy_reply());
        }
        return;
    }
    auto task = std::make_shared<ConnectionTask>(ConnectionTask{
        factory_, spec.mode, registry_, options_, stop_fd_.get(), std::move(info), std::move(accepted.fd)});
    int rc = threads_->run([job = task]() mutable { run_connection(job); });
    if (rc != 0) {  // the job did not run: the connection is still ours
        log::error(task->info.id,
                   "event=thread-create-failed " + peer(task->info) + " error=\"" + std::strerror(rc) + "\"");
        SocketStream(std::move(task->fd), -1).write_best_effort(factory_.busy_reply());
        registry_.remove();
    }
}

}  // namespace maild

namespace maild {

ListenerSpec ListenerSpec::parse(const std::string& text) {
    ListenerSpec spec;
    std::string rest = text;
    if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port...
        auto close = rest.find(']');
        if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            throw std::invalid_argument("'" + text + "': expected [IPV6]:PORT[:MODE[:ROLE]]");
        }
        spec.address = rest.substr(1, close - 1);
        rest = rest.substr(close + 2);
    } else {
        auto colon = rest.find(':');
        if (colon == std::string::npos)
            throw std::invalid_argument("'" + text + "': expected ADDRESS:PORT[:MODE[:ROLE]]");
        spec.address = rest.substr(0, colon);
        rest = rest.substr(colon + 1);
    }
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (;;) {
        auto colon = rest.find(':', start);
        fields.push_back(rest.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    if (fields.empty() || fields.size() > 3 || fields[0].empty()) {
        throw std::invalid_argument("'" + text + "': expected ADDRESS:PORT[:MODE[:ROLE]]");
    }
    std::size_t used = 0;
    unsigned long port = 0;
    try {
        port = std::stoul(fields[0], &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != fields[0].size() || port > 65535) throw std::invalid_argument("'" + text + "': bad port " + fields[0]);
    spec.port = static_cast<std::uint16_t>(port);
    if (fields.size() > 1) {
        if (fields[1] == "plain")
            spec.mode = TlsMode::plain;
        else if (fields[1] == "starttls")
            spec.mode = TlsMode::starttls;
        else if (fields[1] == "implicit")
            spec.mode = TlsMode::implicit;
        else
            throw std::invalid_argument("'" + text + "': mode must be plain, starttls or implicit");
    }
    if (fields.size() > 2) spec.role = fields[2];
    return spec;
}

}  // namespace maild
