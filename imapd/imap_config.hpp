// Settings an IMAP session needs, filled from the daemon's configuration (see etc/maild.conf).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/auth_policy.hpp"

namespace imap {

struct ImapConfig {
    std::string hostname = "localhost";
    /// Local mail domains; a login without '@' means the user in the first one.
    std::vector<std::string> domains = {"localhost"};
    /// Longest command line between literals (RFC 7162 §4 recommends accepting at least 8 KiB;
    /// big UID sets from large mailboxes need more: Dovecot allows 64 KiB).
    std::size_t max_line_bytes = 64 * 1024;
    /// Largest literal (APPEND message), normally the message size limit.
    std::size_t max_literal_bytes = 25 * 1024 * 1024;
    /// Deepest parenthesis nesting accepted in a command (SEARCH, FETCH lists).
    std::size_t max_nesting_depth = 100;
    /// RFC 3501 §5.4: an inactivity autologout timer of at least 30 minutes.
    std::chrono::milliseconds autologout{std::chrono::minutes(30)};
    /// Consecutive BAD replies before the session is closed with BYE (a client out of sync).
    std::size_t max_bad_commands = 20;
    /// When LOGIN/AUTHENTICATE are allowed without TLS (else LOGINDISABLED, RFC 3501 §6.2.3).
    maild::PlaintextAuth plaintext_auth = maild::PlaintextAuth::loopback;
    /// Failed logins in one session before BYE.
    std::size_t max_auth_failures = 3;
};

}  // namespace imap
