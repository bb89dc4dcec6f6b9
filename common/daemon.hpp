// What every maild daemon's main() does around its protocol: serve until SIGTERM/SIGINT, and
// turn start-up failures into a message and an exit code.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/server.hpp"

namespace maild {

/// Puts the process under the scheduling policy the options ask for, or logs a warning why not.
/// Call before the daemon starts any thread: threads inherit the policy of the one creating them.
void use_cpu_scheduling(const ServerOptions& options);

/// Binds the server, drops root (to user/group when given), logs `event=ready <ready_facts>`,
/// serves until SIGTERM or SIGINT, then waits for the sessions. Never returns while detached
/// sessions might still use the caller's objects: if they did not end in time the process exits.
void serve_until_signalled(Server& server, const std::optional<std::string>& user,
                           const std::optional<std::string>& group, const std::string& ready_facts);

/// Runs body; a maild::config::ConfigError becomes "program: message" and exit code 2, any
/// other exception "program: message" and 1 (port in use, missing store, bad certificate...).
int run_daemon_main(const char* program, const std::function<int()>& body);

}  // namespace maild
