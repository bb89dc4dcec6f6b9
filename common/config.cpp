#include "common/config.hpp"

#include <unistd.h>

#include <fstream>
#include <iostream>

namespace maild::config {

Loader::Loader(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)), options_("Options") {
    options_.add_options()("help,h", "print this help and exit")("version", "print the version and exit")(
        "config,c", po::value<std::string>()->value_name("FILE"),
        "read options from this INI file (command-line options win)");
}

std::optional<po::variables_map> Loader::parse(int argc, const char* const argv[]) {
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(options_).run(), vm);
        if (vm.count("help")) {
            std::cout << "Usage: " << program_ << " [options]\n" << summary_ << "\n\n" << options_ << '\n';
            return std::nullopt;
        }
        if (vm.count("version")) {
            std::cout << program_ << " (maild) " << MAILD_VERSION << '\n';
            return std::nullopt;
        }
        if (vm.count("config")) {
            const std::string path = vm["config"].as<std::string>();
            std::ifstream file(path);
            if (!file) throw ConfigError("cannot read config file " + path + ": no such file or not readable");
            auto parsed = po::parse_config_file(file, options_, /*allow_unregistered=*/true);
            po::parsed_options own_section(&options_);
            po::parsed_options shared(&options_);
            const std::string prefix = program_ + ".";
            for (auto& option : parsed.options) {
                if (!option.unregistered) {
                    shared.options.push_back(option);
                    continue;
                }
                const std::string& key = option.string_key;
                auto dot = key.find('.');
                if (key.compare(0, prefix.size(), prefix) == 0) {
                    std::string name = key.substr(prefix.size());
                    if (!options_.find_nothrow(name, false)) {
                        throw ConfigError(path + ": unknown option '" + name + "' in section [" + program_ + "]");
                    }
                    option.string_key = name;
                    option.unregistered = false;
                    own_section.options.push_back(option);
                } else if (dot == std::string::npos) {
                    warnings_.push_back(path + ": ignoring '" + key + "': not a " + program_ + " option");
                }
                // Keys of other programs' sections are theirs.
            }
            // First store wins for each option: command line, then [program], then shared keys.
            po::store(own_section, vm);
            po::store(shared, vm);
        }
        po::notify(vm);
    } catch (const ConfigError&) {
        throw;
    } catch (const po::error& e) {
        throw ConfigError(std::string(e.what()) + " (see " + program_ + " --help)");
    }
    return vm;
}

void add_server_options(po::options_description& options, std::uint16_t default_port) {
    options.add_options()("listen",
                          po::value<std::vector<std::string>>()
                              ->multitoken()
                              ->default_value({"0.0.0.0", "::"}, "0.0.0.0 ::")
                              ->value_name("ADDRESS"),
                          "numeric address to listen on; repeat for several (IPv4 and IPv6)")(
        "port,p", po::value<std::uint16_t>()->default_value(default_port)->value_name("PORT"),
        "TCP port to listen on (0: any free port, printed at start)")(
        "hostname", po::value<std::string>()->default_value(machine_hostname())->value_name("NAME"),
        "this server's name in greetings and trace headers")(
        "max-connections", po::value<std::size_t>()->default_value(1000)->value_name("N"),
        "simultaneous client connections; past it clients are told to try later")(
        "listen-backlog", po::value<std::size_t>()->default_value(1024)->value_name("N"),
        "connections the kernel queues before they are accepted (capped by net.core.somaxconn)")(
        "write-timeout", po::value<long>()->default_value(300)->value_name("SECONDS"),
        "give up on a client that does not read our replies for this long")(
        "shutdown-timeout", po::value<long>()->default_value(10)->value_name("SECONDS"),
        "on SIGTERM, wait this long for sessions to end before exiting")(
        "thread-stack-size", po::value<std::size_t>()->default_value(256)->value_name("KIB"),
        "stack size of each connection thread, in KiB")(
        "spare-threads", po::value<std::size_t>()->default_value(32)->value_name("N"),
        "connection threads kept waiting for the next connection (each exits after 10 s unused)")(
        "cpu-scheduling", po::value<std::string>()->default_value("batch")->value_name("POLICY"),
        "batch: woken threads do not preempt running ones (fewer context switches); normal: keep the "
        "policy the daemon was started with")("log-level",
                                              po::value<std::string>()->default_value("info")->value_name("LEVEL"),
                                              "debug, info, warn or error");
    // clang-format off
    options.add_options()
        ("listener", po::value<std::vector<std::string>>()->multitoken()->value_name("ADDRESS:PORT[:MODE[:ROLE]]"),
         "an extra listener; MODE is plain, starttls or implicit (TLS from the first byte); repeatable")
        ("tls-cert", po::value<std::string>()->value_name("FILE"),
         "PEM certificate chain; with it, plain listeners offer STARTTLS")
        ("tls-key", po::value<std::string>()->value_name("FILE"), "PEM private key of --tls-cert")
        ("allow-plaintext-auth", po::value<std::string>()->default_value("loopback")->value_name("WHEN"),
         "accept passwords without TLS: yes, no, or loopback (only from 127.0.0.1 and ::1)")
        ("user", po::value<std::string>()->value_name("NAME"),
         "started as root: switch to this user after binding the ports, before serving anyone")
        ("group", po::value<std::string>()->value_name("NAME"), "and this group (default: the user's group)");
    // clang-format on
}

std::chrono::milliseconds seconds_option(const po::variables_map& vm, const std::string& name) {
    long seconds = vm[name].as<long>();
    if (seconds <= 0) throw ConfigError("--" + name + " must be a positive number of seconds");
    return std::chrono::seconds(seconds);
}

std::string machine_hostname() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

}  // namespace maild::config
