// Configuration from the command line and an INI file (Boost.Program_options).
//
// Every option can be given on the command line (--name value) and in the file named by
// --config (name = value). The command line wins over the file. One file serves every maild
// program: keys before any [section] are shared; keys inside [smtpd] or [imapd] apply to that
// program only and win over shared keys; other sections are ignored. An unknown key in the
// program's own section is an error; an unknown shared key is only warned about, since it may
// belong to another maild program.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace maild::config {

namespace po = boost::program_options;

/// A bad command line or config file. what() is a sentence for a person, naming the option.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Loader {
public:
    /// program: the binary's name, also its [section] in the file. summary: one line for --help.
    Loader(std::string program, std::string summary);

    /// Where the program adds its own options (with defaults and a one-line description each).
    po::options_description& options() { return options_; }

    /// Parses argv and the --config file. Returns nullopt after printing --help or --version
    /// (the caller exits 0). Throws ConfigError.
    std::optional<po::variables_map> parse(int argc, const char* const argv[]);

    /// Warnings collected while parsing (e.g. unknown shared keys), for the caller to log.
    const std::vector<std::string>& warnings() const { return warnings_; }

private:
    std::string program_;
    std::string summary_;
    po::options_description options_;
    std::vector<std::string> warnings_;
};

/// Adds the options every daemon's socket core has: listen, port, max-connections,
/// write-timeout, shutdown-timeout, thread-stack-size, hostname, log-level.
void add_server_options(po::options_description& options, std::uint16_t default_port);

/// Seconds from an option, checked to be positive; throws ConfigError naming the option.
std::chrono::milliseconds seconds_option(const po::variables_map& vm, const std::string& name);

/// The machine's name (gethostname), for the hostname default.
std::string machine_hostname();

}  // namespace maild::config
