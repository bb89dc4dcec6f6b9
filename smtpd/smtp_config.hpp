// Settings an SMTP session needs, filled from the daemon's configuration (see etc/maild.conf).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/auth_policy.hpp"

namespace smtp {

struct SmtpConfig {
    std::string hostname = "localhost";  ///< our name in the greeting, EHLO and Received:
    /// Local mail domains, lower-case. Mail to any other domain is refused (never an open relay).
    std::vector<std::string> domains = {"localhost"};
    /// Where mail to postmaster (any local domain, or bare <postmaster>) goes (RFC 5321 §4.5.1).
    std::string postmaster = "postmaster@localhost";
    std::size_t max_message_bytes = 25 * 1024 * 1024;  ///< SIZE limit; message text after DATA
    std::size_t max_recipients = 1000;                 ///< RCPT TO per transaction (§4.5.3.1.8: >= 100)
    /// Longest command line, CRLF excluded. RFC 5321 §4.5.3.1.4 says 512 with CRLF; extensions
    /// (SIZE=, SMTPUTF8 addresses) make longer lines legitimate, so the default is Postfix's 2048.
    std::size_t max_line_bytes = 2048;
    std::size_t max_errors = 20;  ///< protocol errors before 421 and close (Postfix hard limit)
    std::chrono::milliseconds command_timeout{std::chrono::minutes(5)};  ///< §4.5.3.2.7
    /// When AUTH is offered without TLS (RFC 4954 §4: only over TLS, unless allowed here).
    maild::PlaintextAuth plaintext_auth = maild::PlaintextAuth::loopback;
    /// Failed AUTH attempts in one session before 421 and close.
    std::size_t max_auth_failures = 3;
};

}  // namespace smtp
