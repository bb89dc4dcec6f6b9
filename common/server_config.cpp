#include "common/server_config.hpp"

#include "common/log.hpp"

namespace maild::config {

std::size_t positive_count(const po::variables_map& vm, const std::string& name) {
    auto value = vm[name].as<std::size_t>();
    if (value == 0) throw ConfigError("--" + name + " must be greater than 0");
    return value;
}

ServerOptions read_server_options(const po::variables_map& vm) {
    auto level = log::parse_level(vm["log-level"].as<std::string>());
    if (!level) throw ConfigError("--log-level must be one of debug, info, warn, error, off");
    log::set_level(*level);

    ServerOptions server;
    server.listen_addresses = vm["listen"].as<std::vector<std::string>>();
    server.port = vm["port"].as<std::uint16_t>();
    server.max_connections = positive_count(vm, "max-connections");
    server.write_timeout = seconds_option(vm, "write-timeout");
    server.shutdown_timeout = seconds_option(vm, "shutdown-timeout");
    server.thread_stack_bytes = positive_count(vm, "thread-stack-size") * 1024;
    if (server.thread_stack_bytes < 64 * 1024) throw ConfigError("--thread-stack-size must be at least 64 (KiB)");
    return server;
}

}  // namespace maild::config
