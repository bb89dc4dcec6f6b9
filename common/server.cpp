#include "common/server.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>
#include <thread>

#include "common/log.hpp"
#include "common/stream.hpp"

namespace maild {
namespace {

/// Everything one connection thread needs; owned by that thread.
struct ConnectionTask {
    SessionFactory& factory;
    ConnectionRegistry& registry;
    const ServerOptions& options;
    int stop_fd;
    ConnectionInfo info;
    UniqueFd fd;
};

/// Reads per recv(); the session buffers what it needs on the heap.
constexpr std::size_t read_chunk_bytes = 16 * 1024;

const char* drive_session(ConnectionTask& task) {
    SocketStream stream(std::move(task.fd), task.stop_fd);
    std::unique_ptr<Session> session = task.factory.create(task.info);
    auto flush = [&]() {
        std::string out = session->take_output();
        return out.empty() || stream.write_all(out, task.options.write_timeout);
    };
    session->start();
    if (!flush()) return "write-failed";
    std::array<char, read_chunk_bytes> buffer;
    while (!session->wants_close()) {
        auto result = stream.read_some(buffer.data(), buffer.size(), session->read_timeout(), session->wake_fd());
        switch (result.status) {
            case SocketStream::ReadStatus::data:
                session->feed(std::string_view(buffer.data(), result.bytes));
                if (!flush()) return "write-failed";
                break;
            case SocketStream::ReadStatus::closed:
                session->on_disconnect();
                return result.error == ECONNRESET ? "peer-reset" : "peer-closed";
            case SocketStream::ReadStatus::woken:
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

void* connection_thread(void* arg) {
    std::unique_ptr<ConnectionTask> task(static_cast<ConnectionTask*>(arg));
    const auto started = std::chrono::steady_clock::now();
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
    registry.remove();  // last touch of shared state
    return nullptr;
}

}  // namespace

Server::Server(ServerOptions options, SessionFactory& factory)
    : options_(std::move(options)),
      factory_(factory),
      stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      registry_(options_.max_connections) {
    if (!stop_fd_) throw std::system_error(errno, std::generic_category(), "eventfd");
}

Server::~Server() = default;

void Server::bind() {
    listeners_.clear();
    std::vector<std::string> skipped;
    for (const auto& address : options_.listen_addresses) {
        try {
            listeners_.push_back(net::listen_on(address, options_.port, options_.listen_backlog));
        } catch (const net::BindError& e) {
            // A dual-stack setting on a host without IPv6 should not stop the daemon.
            bool ipv6 = address.find(':') != std::string::npos;
            if (ipv6 && (e.error() == EAFNOSUPPORT || e.error() == EADDRNOTAVAIL)) {
                skipped.push_back(e.what());
                continue;
            }
            throw;
        }
    }
    if (listeners_.empty() && !skipped.empty()) throw net::BindError(skipped.front());
    for (const auto& why : skipped) log::warn(0, "event=listen-skipped reason=\"" + why + "\"");
    for (const auto& l : listeners_) log::info(0, "event=listening address=" + l.display());
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
            if (fds[i].revents & POLLIN) accept_ready(fds[i].fd);
        }
    }
    listeners_.clear();  // stop accepting: new clients get "connection refused"
    std::size_t live = registry_.live();
    log::info(0, "event=shutdown open_sessions=" + std::to_string(live));
    bool clean = registry_.wait_until_empty(options_.shutdown_timeout);
    if (!clean) {
        log::warn(0, "event=shutdown-timeout open_sessions=" + std::to_string(registry_.live()));
    }
    return clean;
}

void Server::accept_ready(int listen_fd) {
    for (;;) {
        int err = 0;
        net::Accepted accepted = net::accept_one(listen_fd, err);
        if (!accepted.fd) {
            if (err == EAGAIN || err == EWOULDBLOCK || err == ECONNABORTED || err == EINTR) return;
            // EMFILE/ENFILE/ENOMEM: the connection stays in the backlog; back off briefly so the
            // loop does not spin while sessions end and free descriptors.
            log::error(0, std::string("event=accept-failed error=\"") + std::strerror(err) + "\"");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            return;
        }
        serve(std::move(accepted));
    }
}

void Server::serve(net::Accepted accepted) {
    ConnectionInfo info;
    info.id = next_connection_id_.fetch_add(1);
    info.peer_address = accepted.peer_address;
    info.peer_port = accepted.peer_port;
    info.local_address = accepted.local_address;
    info.local_port = accepted.local_port;
    const std::string peer = "peer=" + info.peer_address + ":" + std::to_string(info.peer_port);

    if (!registry_.try_add()) {
        log::warn(info.id, "event=refused reason=max-connections " + peer +
                               " max_connections=" + std::to_string(options_.max_connections));
        SocketStream(std::move(accepted.fd), -1).write_best_effort(factory_.busy_reply());
        return;
    }
    log::info(info.id,
              "event=connect " + peer + " local=" + info.local_address + ":" + std::to_string(info.local_port));

    auto task = std::make_unique<ConnectionTask>(
        ConnectionTask{factory_, registry_, options_, stop_fd_.get(), std::move(info), std::move(accepted.fd)});
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, options_.thread_stack_bytes);
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, connection_thread, task.get());
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        log::error(task->info.id, std::string("event=thread-create-failed error=\"") + std::strerror(rc) + "\"");
        SocketStream(std::move(task->fd), -1).write_best_effort(factory_.busy_reply());
        registry_.remove();
        return;
    }
    task.release();  // the thread owns it now (connection_thread re-wraps it in a unique_ptr)
}

}  // namespace maild
