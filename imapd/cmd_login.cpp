// LOGIN and AUTHENTICATE PLAIN (RFC 3501 §6.2, RFC 4616, SASL-IR RFC 4959).
#include "common/log.hpp"
#include "imapd/imap_session.hpp"
#include "imapd/sasl_plain.hpp"
#include "store/store_options.hpp"

namespace imap {

ImapSession::Completion ImapSession::finish_login(const std::string& login, const std::string& password) {
    std::string address = store::login_address(login, config_.domains);
    bool verified = store_.verify_password(address, password);
    std::optional<store::UserInfo> user = verified ? store_.find_user(address) : std::nullopt;
    if (!user) {
        maild::log::warn(connection_.id, "event=login-failed user=" + maild::log::sanitize(login, 100) +
                                             " peer=" + connection_.peer_address);
        // The same answer whether or not the user exists.
        return no("[AUTHENTICATIONFAILED] Authentication failed");
    }
    user_ = user;
    state_ = State::authenticated;
    maild::log::info(connection_.id, "event=login user=" + user->address + " peer=" + connection_.peer_address);
    return ok("[CAPABILITY " + capabilities() + "] Logged in");
}

ImapSession::Completion ImapSession::cmd_login(Command& c) {
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
    if (c.args.consume(' ')) {  // SASL-IR: the initial response is on the command line
        auto initial = c.args.atom();
        if (!initial || !c.args.at_end()) return syntax_error(c.args);
        std::string response = *initial == "=" ? std::string() : *initial;
        auto credentials = decode_sasl_plain(response);
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
    auto credentials = decode_sasl_plain(line);
    if (!credentials) return complete(tag, bad("Invalid SASL PLAIN response"));
    complete(tag, finish_login(credentials->authcid, credentials->password));
}

}  // namespace imap
