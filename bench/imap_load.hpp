// maild-bench imap: an IMAP load generator in the manner of Dovecot's imaptest stress mode.
//
// N clients, each on its own thread, repeatedly: connect, LOGIN as a random user, SELECT INBOX,
// run a random number of commands from a fixed mix (FETCH flags, FETCH envelopes, FETCH a whole
// message, STORE flags, APPEND, STORE \Deleted + EXPUNGE), LOGOUT. Every command is timed from
// sending it to its tagged reply; anything but OK (or a dropped connection) is a protocol error.
// Works against any IMAP4rev1 server (maild's imapd, Dovecot), so the two can be compared.
#pragma once

#include <cstdint>
#include <string>

namespace bench {

struct ImapLoadOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 143;
    unsigned clients = 10;
    double seconds = 10;
    /// Users are PREFIX1@DOMAIN .. PREFIX<users>@DOMAIN, all with the same password.
    std::string user_prefix = "user";
    std::string domain = "bench.test";
    unsigned users = 10;
    std::string password;
    /// Before the timed run, APPEND this many messages to each user's INBOX.
    unsigned prefill = 0;
};

/// Runs the load and prints a table (commands/s and latency per command). Returns 0, or 1 when
/// any protocol error happened.
int run_imap_load(const ImapLoadOptions& options);

}  // namespace bench
