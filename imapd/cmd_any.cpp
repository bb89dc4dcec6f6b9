// Commands valid in any state, and the session-level extensions: CAPABILITY, NOOP, LOGOUT,
// ID (RFC 2971), ENABLE (RFC 5161), NAMESPACE (RFC 2342), IDLE (RFC 2177).
#include "common/log.hpp"
#include "imapd/imap_quote.hpp"
#include "imapd/imap_session.hpp"

#ifndef MAILD_VERSION
#define MAILD_VERSION "dev"
#endif

namespace imap {

ImapSession::Completion ImapSession::cmd_capability(Command& c) {
    if (!c.args.at_end()) return bad("CAPABILITY takes no arguments");
    send("* CAPABILITY " + capabilities() + "\r\n");
    return ok("CAPABILITY completed");
}

ImapSession::Completion ImapSession::cmd_noop(Command& c) {
    if (!c.args.at_end()) return bad(c.name + " takes no arguments");
    return ok(c.name + " completed");
}

ImapSession::Completion ImapSession::cmd_logout(Command& c) {
    if (!c.args.at_end()) return bad("LOGOUT takes no arguments");
    send("* BYE Logging out\r\n");
    deselect();
    state_ = State::logout;
    closing_ = true;
    return ok("LOGOUT completed");
}

ImapSession::Completion ImapSession::cmd_id(Command& c) {
    // ID ( "key" "value" ... ) or ID NIL; the client's values are only logged.
    if (!c.args.space()) return syntax_error(c.args);
    std::string client;
    if (!c.args.keyword("NIL")) {
        if (!c.args.consume('(')) return bad("ID expects a list or NIL");
        int pairs = 0;
        while (!c.args.consume(')')) {
            if (pairs > 0 && !c.args.space()) return syntax_error(c.args);
            auto key = c.args.string();
            if (!key || !c.args.space()) return syntax_error(c.args);
            auto value = c.args.nstring();
            if (!value) return syntax_error(c.args);
            if (++pairs > 30) return bad("ID list too long");
            client += " " + maild::log::sanitize(*key, 30) + "=" + maild::log::sanitize(value->value_or("NIL"), 60);
        }
    }
    if (!c.args.at_end()) return bad("Extra arguments to ID");
    if (!client.empty()) maild::log::info(connection_.id, "event=client-id" + client);
    send("* ID (\"name\" \"maild\" \"version\" " + quote_string(MAILD_VERSION) + ")\r\n");
    return ok("ID completed");
}

ImapSession::Completion ImapSession::cmd_enable(Command& c) {
    // None of the extensions ENABLE can turn on (CONDSTORE, QRESYNC, UTF8=ACCEPT) is offered yet:
    // per RFC 5161 the server answers with the ones it enabled, here none.
    if (!c.args.space()) return syntax_error(c.args);
    do {
        if (!c.args.atom()) return syntax_error(c.args);
    } while (c.args.consume(' '));
    if (!c.args.at_end()) return syntax_error(c.args);
    send("* ENABLED\r\n");
    return ok("ENABLE completed");
}

ImapSession::Completion ImapSession::cmd_namespace(Command& c) {
    if (!c.args.at_end()) return bad("NAMESPACE takes no arguments");
    send("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
    return ok("NAMESPACE completed");
}

ImapSession::Completion ImapSession::cmd_idle(Command& c) {
    if (!c.args.at_end()) return bad("IDLE takes no arguments");
    waiting_ = Waiting::idle;
    waiting_tag_ = c.tag;
    send("+ idling\r\n");
    if (view_) report_changes(true);
    return ok("");
}

}  // namespace imap
