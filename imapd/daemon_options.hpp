// imapd's command-line/INI options (see etc/maild.conf), turned into the settings of the socket
// core, the store and the IMAP sessions.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "common/server.hpp"
#include "imapd/imap_config.hpp"
#include "store/mail_store.hpp"

namespace imapd {

struct DaemonSettings {
    maild::ServerOptions server;
    std::optional<std::string> run_as_user, run_as_group;  ///< --user / --group
    imap::ImapConfig imap;
    std::filesystem::path store_path;
    store::OpenOptions store_options;
    /// How often the process checks the store for changes made by other processes (new mail).
    std::chrono::milliseconds notify_interval{100};
};

/// Parses argv (and --config). nullopt after --help/--version. Throws maild::config::ConfigError.
std::optional<DaemonSettings> load_settings(int argc, const char* const argv[]);

}  // namespace imapd
