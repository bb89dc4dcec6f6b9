#include "common/server_config.hpp"

#include <algorithm>

#include "common/log.hpp"

namespace maild::config {

std::size_t positive_count(const po::variables_map& vm, const std::string& name) {
    auto value = vm[name].as<std::size_t>();
    if (value == 0) throw ConfigError("--" + name + " must be greater than 0");
    return value;
}

ServerOptions read_server_options(const po::variables_map& vm, std::vector<std::string> alpn) {
    auto level = log::parse_level(vm["log-level"].as<std::string>());
    if (!level) throw ConfigError("--log-level must be one of debug, info, warn, error, off");
    log::set_level(*level);

    ServerOptions server;
    server.listen_addresses = vm["listen"].as<std::vector<std::string>>();
    server.port = vm["port"].as<std::uint16_t>();
    server.max_connections = positive_count(vm, "max-connections");
    server.listen_backlog = static_cast<int>(std::min<std::size_t>(positive_count(vm, "listen-backlog"), 65535));
    server.write_timeout = seconds_option(vm, "write-timeout");
    server.shutdown_timeout = seconds_option(vm, "shutdown-timeout");
    server.thread_stack_bytes = positive_count(vm, "thread-stack-size") * 1024;
    server.spare_threads = vm["spare-threads"].as<std::size_t>();
    auto scheduling = parse_cpu_scheduling(vm["cpu-scheduling"].as<std::string>());
    if (!scheduling) throw ConfigError("--cpu-scheduling must be batch or normal");
    server.cpu_scheduling = *scheduling;
    if (server.thread_stack_bytes < 64 * 1024) throw ConfigError("--thread-stack-size must be at least 64 (KiB)");
    if (vm.count("listener")) {
        for (const auto& text : vm["listener"].as<std::vector<std::string>>()) {
            try {
                server.extra_listeners.push_back(ListenerSpec::parse(text));
            } catch (const std::invalid_argument& e) {
                throw ConfigError(std::string("--listener ") + e.what());
            }
        }
    }
    bool cert = vm.count("tls-cert") != 0, key = vm.count("tls-key") != 0;
    if (cert != key) throw ConfigError("--tls-cert and --tls-key go together: give both or neither");
    if (cert) {
        try {
            server.tls = std::make_shared<TlsContext>(vm["tls-cert"].as<std::string>(), vm["tls-key"].as<std::string>(),
                                                      std::move(alpn));
        } catch (const TlsError& e) {
            throw ConfigError(e.what());
        }
    }
    for (const auto& spec : server.extra_listeners) {
        if (spec.mode != TlsMode::plain && !server.tls) {
            throw ConfigError("--listener " + spec.address + ":" + std::to_string(spec.port) +
                              " uses TLS: give --tls-cert and --tls-key");
        }
    }
    return server;
}

}  // namespace maild::config

namespace maild::config {

PlaintextAuth read_plaintext_auth(const po::variables_map& vm) {
    const auto& value = vm["allow-plaintext-auth"].as<std::string>();
    if (value == "yes") return PlaintextAuth::always;
    if (value == "no") return PlaintextAuth::never;
    if (value == "loopback") return PlaintextAuth::loopback;
    throw ConfigError("--allow-plaintext-auth must be yes, no or loopback");
}

}  // namespace maild::config
