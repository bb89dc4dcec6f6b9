// Reading the socket core's options (see config::add_server_options) into ServerOptions, and
// applying log-level. Shared by every daemon.
#pragma once

#include "common/auth_policy.hpp"
#include "common/config.hpp"
#include "common/server.hpp"

namespace maild::config {

/// Sets the log level and returns the listener settings, with the TLS context loaded (errors in
/// the certificate or key are ConfigErrors at start). alpn: the protocol's ALPN ids.
ServerOptions read_server_options(const po::variables_map& vm, std::vector<std::string> alpn = {});

/// When passwords may be accepted without TLS (allow-plaintext-auth).
PlaintextAuth read_plaintext_auth(const po::variables_map& vm);

/// A positive count option; throws ConfigError naming it otherwise.
std::size_t positive_count(const po::variables_map& vm, const std::string& name);

}  // namespace maild::config
