#include "common/daemon.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "common/config.hpp"
#include "common/cpu_scheduling.hpp"
#include "common/log.hpp"
#include "common/memory.hpp"
#include "common/privileges.hpp"
#include "common/signals.hpp"

namespace maild {

void use_cpu_scheduling(const ServerOptions& options) {
    std::string failure = apply_cpu_scheduling(options.cpu_scheduling);
    if (!failure.empty()) {
        log::warn(0, "event=cpu-scheduling-unchanged error=\"" + failure +
                         "\" hint=\"the daemon runs under its current policy; cpu-scheduling = normal silences this\"");
    }
}

void serve_until_signalled(Server& server, const std::optional<std::string>& user,
                           const std::optional<std::string>& group, const std::string& ready_facts) {
    SignalWatcher signals([&server](int sig) {
        log::info(0, "event=signal signal=" + std::to_string(sig) + " action=shutdown");
        server.stop();
    });
    server.bind();
    drop_privileges(user, group);  // after binding low ports, before serving anyone
    log::info(0, "event=ready " + ready_facts);
    bool clean = server.run();
    log::info(0, clean ? "event=stopped" : "event=stopped sessions_abandoned=true");
    if (!clean) std::_Exit(0);  // detached sessions still hold references into the caller's frame
}

int run_daemon_main(const char* program, const std::function<int()>& body) {
    configure_allocator();
    try {
        return body();
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "%s: %s\n", program, e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", program, e.what());
        return 1;
    }
}

}  // namespace maild
