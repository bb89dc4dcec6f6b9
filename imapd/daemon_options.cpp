#include "imapd/daemon_options.hpp"

#include "common/config.hpp"
#include "common/log.hpp"
#include "common/server_config.hpp"
#include "store/store_options.hpp"

namespace imapd {
namespace po = boost::program_options;
using maild::config::ConfigError;

std::optional<DaemonSettings> load_settings(int argc, const char* const argv[]) {
    maild::config::Loader loader("imapd", "maild IMAP server: IMAP4rev1 (RFC 3501) access to the mailbox store.");
    auto& options = loader.options();
    maild::config::add_server_options(options, 143);
    store::add_store_options(options);
    // clang-format off
    options.add_options()
        ("max-message-size", po::value<std::size_t>()->default_value(25u * 1024 * 1024)->value_name("BYTES"),
         "largest literal accepted, e.g. a message given to APPEND")
        ("max-line-length", po::value<std::size_t>()->default_value(64 * 1024)->value_name("BYTES"),
         "longest IMAP command line between literals; longer lines get BAD")
        ("max-nesting-depth", po::value<std::size_t>()->default_value(100)->value_name("N"),
         "deepest parenthesis nesting in a command (SEARCH, FETCH)")
        ("autologout", po::value<long>()->default_value(1800)->value_name("SECONDS"),
         "close a session idle this long (RFC 3501 5.4: at least 30 minutes)")
        ("max-auth-failures", po::value<std::size_t>()->default_value(3)->value_name("N"),
         "failed logins in one session before it is closed with BYE")
        ("max-bad-commands", po::value<std::size_t>()->default_value(20)->value_name("N"),
         "BAD replies in a row before the session is closed")
        ("notify-interval", po::value<long>()->default_value(100)->value_name("MS"),
         "how often to look for changes made by other processes (new mail for IDLE)")
        ("mailbox-cache-messages", po::value<std::size_t>()->default_value(1000000)->value_name("N"),
         "keep the listing of mailboxes of 1000 messages or more in memory between SELECTs, up to N "
         "messages in all (about 80 bytes each; 0: never)");
    // clang-format on

    auto parsed = loader.parse(argc, argv);
    if (!parsed) return std::nullopt;
    const po::variables_map& vm = *parsed;
    for (const auto& warning : loader.warnings()) maild::log::warn(0, warning);

    DaemonSettings s;
    if (vm.count("user")) s.run_as_user = vm["user"].as<std::string>();
    if (vm.count("group")) s.run_as_group = vm["group"].as<std::string>();
    s.server =
        maild::config::read_server_options(vm, {"imap"});  // IANA ALPN id "imap" (RFC 2595); SMTP has none registered
    s.imap.plaintext_auth = maild::config::read_plaintext_auth(vm);
    s.imap.max_auth_failures = maild::config::positive_count(vm, "max-auth-failures");
    store::StoreSettings store_settings = store::read_store_settings(vm);
    s.store_path = store_settings.path;
    s.store_options = store_settings.open_options;
    s.store_options.listing_cache_messages = vm["mailbox-cache-messages"].as<std::size_t>();
    s.imap.hostname = vm["hostname"].as<std::string>();
    s.imap.domains = store_settings.domains;
    s.imap.max_literal_bytes = maild::config::positive_count(vm, "max-message-size");
    s.imap.max_line_bytes = maild::config::positive_count(vm, "max-line-length");
    if (s.imap.max_line_bytes < 1000) throw ConfigError("--max-line-length must be at least 1000");
    s.imap.max_nesting_depth = maild::config::positive_count(vm, "max-nesting-depth");
    s.imap.autologout = maild::config::seconds_option(vm, "autologout");
    if (s.imap.autologout < std::chrono::minutes(30)) {
        maild::log::warn(0, "event=config-warning option=autologout reason=\"below the 30 minutes RFC 3501 asks for\"");
    }
    s.imap.max_bad_commands = maild::config::positive_count(vm, "max-bad-commands");
    long interval = vm["notify-interval"].as<long>();
    if (interval < 10 || interval > 1000) throw ConfigError("--notify-interval must be between 10 and 1000 (ms)");
    s.notify_interval = std::chrono::milliseconds(interval);
    return s;
}

}  // namespace imapd
