#include "smtpd/daemon_options.hpp"

#include <algorithm>
#include <cctype>

#include "common/config.hpp"
#include "common/log.hpp"
#include "common/server_config.hpp"
#include "store/store_options.hpp"

namespace smtpd {
namespace po = boost::program_options;
using maild::config::ConfigError;

namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

template <typename T>
T positive(const po::variables_map& vm, const std::string& name) {
    T value = vm[name].as<T>();
    if (value <= 0) throw ConfigError("--" + name + " must be greater than 0");
    return value;
}

}  // namespace

std::optional<DaemonSettings> load_settings(int argc, const char* const argv[]) {
    maild::config::Loader loader("smtpd", "maild SMTP server: accepts mail for local users (RFC 5321), never relays.");
    auto& options = loader.options();
    maild::config::add_server_options(options, 25);
    store::add_store_options(options);
    // clang-format off
    options.add_options()
        ("postmaster", po::value<std::string>()->value_name("ADDRESS"),
         "the mailbox that receives mail for postmaster@ any local domain (default: postmaster@ the first domain)")
        ("max-message-size", po::value<std::size_t>()->default_value(25u * 1024 * 1024)->value_name("BYTES"),
         "largest message accepted (advertised as SIZE)")
        ("max-recipients", po::value<std::size_t>()->default_value(1000)->value_name("N"),
         "recipients per message; more get 452")
        ("max-line-length", po::value<std::size_t>()->default_value(2048)->value_name("BYTES"),
         "longest SMTP command line; longer lines get 500 5.5.2")
        ("max-auth-failures", po::value<std::size_t>()->default_value(3)->value_name("N"),
         "failed AUTH attempts in one session before it is closed with 421")
        ("max-errors", po::value<std::size_t>()->default_value(20)->value_name("N"),
         "protocol errors in one session before it is closed with 421")
        ("command-timeout", po::value<long>()->default_value(300)->value_name("SECONDS"),
         "close a session that sends nothing for this long (RFC 5321 4.5.3.2.7: at least 5 minutes)");
    // clang-format on

    auto parsed = loader.parse(argc, argv);
    if (!parsed) return std::nullopt;
    const po::variables_map& vm = *parsed;
    for (const auto& warning : loader.warnings()) maild::log::warn(0, warning);

    DaemonSettings s;
    if (vm.count("user")) s.run_as_user = vm["user"].as<std::string>();
    if (vm.count("group")) s.run_as_group = vm["group"].as<std::string>();
    s.server = maild::config::read_server_options(vm);
    s.smtp.plaintext_auth = maild::config::read_plaintext_auth(vm);

    store::StoreSettings store_settings = store::read_store_settings(vm);
    s.store_path = store_settings.path;
    s.store_options = store_settings.open_options;
    // smtpd reads only small lookups (a recipient, a login) between deliveries, and each
    // delivery would make the next lookup drop a mapping of the store: no mapping.
    s.store_options.mmap_bytes = 0;
    s.smtp.hostname = vm["hostname"].as<std::string>();
    s.smtp.domains = store_settings.domains;
    s.smtp.postmaster =
        vm.count("postmaster") ? vm["postmaster"].as<std::string>() : "postmaster@" + s.smtp.domains.front();
    auto at = s.smtp.postmaster.rfind('@');
    if (at == std::string::npos || std::find(s.smtp.domains.begin(), s.smtp.domains.end(),
                                             lower(s.smtp.postmaster.substr(at + 1))) == s.smtp.domains.end()) {
        throw ConfigError("--postmaster '" + s.smtp.postmaster + "' must be an address in a local --domain");
    }
    s.smtp.max_message_bytes = positive<std::size_t>(vm, "max-message-size");
    s.smtp.max_recipients = positive<std::size_t>(vm, "max-recipients");
    s.smtp.max_line_bytes = positive<std::size_t>(vm, "max-line-length");
    if (s.smtp.max_line_bytes < 510) throw ConfigError("--max-line-length must be at least 510 (RFC 5321 4.5.3.1.4)");
    s.smtp.max_errors = positive<std::size_t>(vm, "max-errors");
    s.smtp.max_auth_failures = positive<std::size_t>(vm, "max-auth-failures");
    s.smtp.command_timeout = maild::config::seconds_option(vm, "command-timeout");
    return s;
}

}  // namespace smtpd
