// LOGIN and AUTHENTICATE PLAIN (RFC 3501 §6.2, RFC 4616, SASL-IR RFC 4959).
#include "common/log.hpp"
#include "common/sasl.hpp"
#include "imapd/imap_session.hpp"
#include "store/store_options.hpp"

namespace imap {

bool ImapSession::password_allowed() const {
    if (connection_.tls_required && !tls_) return false;
    return maild::password_allowed(config_.plaintext_auth, tls_, connection_.loopback());
}

ImapSession::Completion ImapSession::cmd_starttls(Command& c) {
    if (!c.args.at_end()) return bad("STARTTLS takes no arguments");
    if (tls_) return bad("TLS is already active");
    if (!connection_.tls_available) return no("[CANNOT] STARTTLS is not available (no certificate configured)");
    starttls_requested_ = true;
    // RFC 3501 §6.2.1 / CVE-2011-0411: commands the client sent after STARTTLS, in clear, are
    // dropped, never run inside the TLS session.
    if (std::size_t dropped = framer_.discard_buffered()) {
        maild::log::warn(connection_.id, "event=starttls-injection dropped_bytes=" + std::to_string(dropped));
    }
    return ok("Begin TLS negotiation now");
}

ImapSession::Completion ImapSession::finish_login(const std::string& login, const std::string& password) {
    std::optional<store::UserInfo> user = authenticator_.authenticate(login, password, connection_.peer_address);
    if (!user) {
        maild::log::warn(connection_.id, "event=login-failed user=" + maild::log::sanitize(login, 100) +
                                             " peer=" + connection_.peer_address);
        if (++auth_failures_ >= config_.max_auth_failures) {
            send("* BYE Too many failed logins\r\n");
            closing_ = true;
        }
        // The same answer whether or not the user exists.
        return no("[AUTHENTICATIONFAILED] Authentication failed");
    }
    user_ = user;
    state_ = State::authenticated;
    maild::log::info(connection_.id, "event=login user=" + user->address + " peer=" + connection_.peer_address);
    return ok("[CAPABILITY " + capabilities() + "] Logged in");
}

ImapSession::Completion ImapSession::cmd_login(Command& c) {
    if (!password_allowed()) return no("[PRIVACYREQUIRED] LOGIN is disabled before STARTTLS");
    if (!c.args.space()) return syntax_error(c.args);
    auto login = c.args.astring();
    if (!login || !c.args.space()) return syntax_error(c.args);
    auto password = c.args.astring();
    if (!password || !c.args.at_end()) return syntax_error(c.args);
    return finish_login(*login, *password);
}

ImapSession::Completion ImapSession::cmd_authenticate(Command& c) {
    if (!c.args.space()) return syntax_error(c.args);
    auto mechanism = c.args.atom();
    if (!mechanism) return syntax_error(c.args);
    std::string upper_mechanism = *mechanism;
    for (char& ch : upper_mechanism)
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
    if (upper_mechanism != "PLAIN") return no("[CANNOT] Unsupported authentication mechanism");
    if (!password_allowed()) return no("[PRIVACYREQUIRED] Authentication is disabled before STARTTLS");
    if (c.args.consume(' ')) {  // SASL-IR: the initial response is on the command line
        auto initial = c.args.atom();
        if (!initial || !c.args.at_end()) return syntax_error(c.args);
        std::string response = *initial == "=" ? std::string() : *initial;
        auto credentials = maild::decode_sasl_plain(response);
        if (!credentials) return bad("Invalid SASL PLAIN response");
        return finish_login(credentials->authcid, credentials->password);
    }
    if (!c.args.at_end()) return syntax_error(c.args);
    waiting_ = Waiting::sasl;
    waiting_tag_ = c.tag;
    send("+ \r\n");
    return ok("");
}

void ImapSession::continue_authenticate(const std::string& line) {
    waiting_ = Waiting::none;
    std::string tag = std::exchange(waiting_tag_, std::string());
    if (line == "*") return complete(tag, bad("Authentication cancelled"));
    auto credentials = maild::decode_sasl_plain(line);
    if (!credentials) return complete(tag, bad("Invalid SASL PLAIN response"));
    complete(tag, finish_login(credentials->authcid, credentials->password));
}

}  // namespace imap
