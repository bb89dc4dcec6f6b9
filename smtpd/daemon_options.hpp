// smtpd's command-line/INI options (see etc/maild.conf for every option with its default), turned
// into the settings of the socket core, the store and the SMTP sessions.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/server.hpp"
#include "smtpd/smtp_config.hpp"
#include "store/mail_store.hpp"

namespace smtpd {

struct DaemonSettings {
    maild::ServerOptions server;
    std::optional<std::string> run_as_user, run_as_group;  ///< --user / --group
    smtp::SmtpConfig smtp;
    std::filesystem::path store_path;
    store::OpenOptions store_options;
};

/// Parses argv (and --config). nullopt after --help/--version. Throws maild::config::ConfigError.
std::optional<DaemonSettings> load_settings(int argc, const char* const argv[]);

}  // namespace smtpd
