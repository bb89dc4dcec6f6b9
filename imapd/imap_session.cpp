#include "imapd/imap_session.hpp"

#include <utility>

#include "common/log.hpp"

namespace imap {

namespace {

std::string upper(std::string text) {
    for (char& c : text)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return text;
}

CommandFramer::Limits framer_limits(const ImapConfig& config) {
    CommandFramer::Limits limits;
    limits.max_line_bytes = config.max_line_bytes;
    limits.max_literal_bytes = config.max_literal_bytes;
    limits.max_command_bytes = config.max_literal_bytes + 4 * config.max_line_bytes;
    return limits;
}

}  // namespace

// clang-format off
const ImapSession::CommandSpec ImapSession::command_table[] = {
    {"CAPABILITY",   &ImapSession::cmd_capability,   in_not_authenticated | in_authenticated | in_selected},
    {"NOOP",         &ImapSession::cmd_noop,         in_not_authenticated | in_authenticated | in_selected},
    {"LOGOUT",       &ImapSession::cmd_logout,       in_not_authenticated | in_authenticated | in_selected},
    {"ID",           &ImapSession::cmd_id,           in_not_authenticated | in_authenticated | in_selected},
    {"LOGIN",        &ImapSession::cmd_login,        in_not_authenticated},
    {"AUTHENTICATE", &ImapSession::cmd_authenticate, in_not_authenticated},
    {"STARTTLS",     &ImapSession::cmd_starttls,     in_not_authenticated},
    {"ENABLE",       &ImapSession::cmd_enable,       in_authenticated | in_selected},
    {"NAMESPACE",    &ImapSession::cmd_namespace,    in_authenticated | in_selected},
    {"IDLE",         &ImapSession::cmd_idle,         in_authenticated | in_selected},
    {"SELECT",       &ImapSession::cmd_select,       in_authenticated | in_selected},
    {"EXAMINE",      &ImapSession::cmd_select,       in_authenticated | in_selected},
    {"CREATE",       &ImapSession::cmd_create,       in_authenticated | in_selected},
    {"DELETE",       &ImapSession::cmd_delete,       in_authenticated | in_selected},
    {"RENAME",       &ImapSession::cmd_rename,       in_authenticated | in_selected},
    {"SUBSCRIBE",    &ImapSession::cmd_subscribe,    in_authenticated | in_selected},
    {"UNSUBSCRIBE",  &ImapSession::cmd_subscribe,    in_authenticated | in_selected},
    {"LIST",         &ImapSession::cmd_list,         in_authenticated | in_selected},
    {"LSUB",         &ImapSession::cmd_list,         in_authenticated | in_selected},
    {"STATUS",       &ImapSession::cmd_status,       in_authenticated | in_selected},
    {"APPEND",       &ImapSession::cmd_append,       in_authenticated | in_selected},
    {"CHECK",        &ImapSession::cmd_check,        in_selected},
    {"CLOSE",        &ImapSession::cmd_close,        in_selected},
    {"UNSELECT",     &ImapSession::cmd_close,        in_selected},
    {"EXPUNGE",      &ImapSession::cmd_expunge,      in_selected, true},
    {"FETCH",        &ImapSession::cmd_fetch,        in_selected, true, true},
    {"STORE",        &ImapSession::cmd_store,        in_selected, true, true},
    {"SEARCH",       &ImapSession::cmd_search,       in_selected, true, true},
    {"COPY",         &ImapSession::cmd_copy,         in_selected, true},
    {"MOVE",         &ImapSession::cmd_copy,         in_selected, true},
};
// clang-format on

ImapSession::ImapSession(const ImapConfig& config, store::MailStore& store, MailboxWatcher* watcher,
                         maild::ConnectionInfo connection, maild::LoginThrottle* throttle)
    : config_(config),
      store_(store),
      watcher_(watcher),
      connection_(std::move(connection)),
      framer_(framer_limits(config)),
      authenticator_(store, config.domains, throttle),
      tls_(connection_.tls) {}

ImapSession::~ImapSession() { deselect(); }

std::string ImapSession::capabilities() const {
    std::string caps = "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT SPECIAL-USE";
    if (state_ == State::not_authenticated) {
        if (connection_.tls_available && !tls_) caps += " STARTTLS";
        caps += password_allowed() ? " AUTH=PLAIN" : " LOGINDISABLED";
    }
    return caps;
}

void ImapSession::start() {
    send("* OK [CAPABILITY " + capabilities() + "] " + config_.hostname + " maild IMAP4rev1 ready\r\n");
}

std::string ImapSession::take_output() { return std::exchange(output_, std::string()); }

void ImapSession::write_output_now() {
    if (open_snapshot_) open_snapshot_->reset();               // the next message read takes a fresh one
    if (!connection_.write_now(output_)) output_lost_ = true;  // the core closes once the command returns
    output_.clear();                                           // the capacity stays: the next lines are built in place
}

void ImapSession::on_timeout() {
    send("* BYE Autologout; idle for too long\r\n");
    closing_ = true;
}

void ImapSession::on_shutdown() {
    send("* BYE Server shutting down\r\n");
    closing_ = true;
}

void ImapSession::on_wake() {
    if (waiting_ == Waiting::idle && view_) report_changes(true);
}

void ImapSession::feed(std::string_view bytes) {
    framer_.append(bytes);
    while (!closing_ && !starttls_requested_) {
        auto framed = framer_.next();
        if (framed.event == CommandFramer::Event::need_more) break;
        handle_framed(framed);
    }
    deadline_.update(framer_.mid_command() || framer_.has_partial_line());
}

void ImapSession::handle_framed(const CommandFramer::Result& framed) {
    using Event = CommandFramer::Event;
    switch (framed.event) {
        case Event::need_more: return;
        case Event::need_continuation: send("+ Ready for literal data\r\n"); return;
        case Event::must_close:
            maild::log::warn(connection_.id, "event=literal-too-big action=close");
            send("* BYE Literal too large\r\n");
            closing_ = true;
            return;
        case Event::line_too_long:
        case Event::literal_too_big: {
            CommandReader reader(framed.text);
            auto tag = reader.tag();
            bool line = framed.event == Event::line_too_long;
            maild::log::info(connection_.id,
                             std::string("event=reject reason=") + (line ? "line-too-long" : "literal-too-big"));
            std::string text = line ? "BAD Command line too long" : "NO [TOOBIG] Literal larger than the limit";
            if (waiting_ != Waiting::none) waiting_ = Waiting::none;
            send((tag ? *tag : std::string("*")) + " " + text + "\r\n");
            if (++bad_in_a_row_ >= config_.max_bad_commands) {
                send("* BYE Too many errors\r\n");
                closing_ = true;
            }
            return;
        }
        case Event::command:
            if (waiting_ == Waiting::sasl) return continue_authenticate(framed.text);
            if (waiting_ == Waiting::idle) return continue_idle(framed.text);
            return run_command(framed.text);
    }
}

void ImapSession::run_command(const std::string& text) {
    CommandReader reader(text);
    auto tag = reader.tag();
    if (!tag || !reader.space()) {
        send("* BAD " + std::string(text.empty() ? "Empty command line" : "Missing or invalid tag") + "\r\n");
        if (++bad_in_a_row_ >= config_.max_bad_commands) {
            send("* BYE Too many errors\r\n");
            closing_ = true;
        }
        return;
    }
    auto name = reader.atom();
    if (!name) return complete(*tag, bad("Missing command"));
    std::string verb = upper(*name);
    bool uid = false;
    if (verb == "UID") {
        auto sub = reader.space() ? reader.atom() : std::nullopt;
        if (!sub) return complete(*tag, bad("UID needs a command"));
        verb = upper(*sub);
        uid = true;
    }
    const CommandSpec* spec = nullptr;
    for (const auto& entry : command_table)
        if (verb == entry.name) spec = &entry;
    if (!spec || (uid && !spec->uid_form)) {
        return complete(*tag, bad("Unknown command " + maild::log::sanitize(verb, 30)));
    }
    unsigned state_bit = state_ == State::not_authenticated ? in_not_authenticated
                         : state_ == State::authenticated   ? in_authenticated
                                                            : in_selected;
    if (!(spec->allowed_in & state_bit)) {
        const char* why = state_ == State::not_authenticated         ? "log in first"
                          : spec->allowed_in == in_not_authenticated ? "already logged in"
                                                                     : "select a mailbox first";
        return complete(*tag, bad(std::string(spec->name) + " is not allowed now: " + why));
    }
    Command command{*tag, verb, reader, uid};
    Completion completion;
    try {
        completion = (this->*spec->handler)(command);
    } catch (const store::StoreError& e) {
        completion = store_failure(e, verb);
    }
    if (waiting_ != Waiting::none) return;  // AUTHENTICATE or IDLE continue with the next line
    if (state_ == State::selected && view_ && completion.status != Completion::Status::bad) {
        try {
            report_changes(!(spec->defers_expunge && !uid));
        } catch (const store::StoreError& e) {
            maild::log::warn(connection_.id, std::string("event=refresh-failed error=\"") + e.what() + "\"");
        }
    }
    complete(*tag, completion);
}

void ImapSession::complete(const std::string& tag, const Completion& completion) {
    static constexpr const char* words[] = {"OK", "NO", "BAD"};
    send(tag + " " + words[static_cast<int>(completion.status)] + " " + completion.text + "\r\n");
    if (completion.status == Completion::Status::bad) {
        maild::log::info(connection_.id, "event=bad tag=" + maild::log::sanitize(tag, 30) + " reply=\"" +
                                             maild::log::sanitize(completion.text) + "\"");
        if (++bad_in_a_row_ >= config_.max_bad_commands) {
            send("* BYE Too many errors\r\n");
            closing_ = true;
        }
    } else {
        bad_in_a_row_ = 0;
    }
}

ImapSession::Completion ImapSession::syntax_error(const CommandReader& reader) {
    return bad(reader.error().empty() ? "Invalid arguments" : reader.error());
}

ImapSession::Completion ImapSession::store_failure(const std::exception& e, std::string_view doing) {
    using Kind = store::StoreError::Kind;
    const auto* store_error = dynamic_cast<const store::StoreError*>(&e);
    Kind kind = store_error ? store_error->kind() : Kind::temporary;
    switch (kind) {
        case Kind::not_found: return no("[NONEXISTENT] " + std::string(e.what()));
        case Kind::already_exists: return no("[ALREADYEXISTS] " + std::string(e.what()));
        case Kind::invalid:
        case Kind::has_children: return no("[CANNOT] " + std::string(e.what()));
        case Kind::no_space:  // as Dovecot answers ENOSPC: the client may retry once space is freed
            maild::log::error(connection_.id, "event=store-full command=" + std::string(doing) + " error=\"" +
                                                  maild::log::sanitize(e.what()) + "\"");
            return no("[OVERQUOTA] Not enough disk space");
        default:
            maild::log::error(connection_.id, "event=store-error command=" + std::string(doing) + " error=\"" +
                                                  maild::log::sanitize(e.what()) + "\"");
            return no("[UNAVAILABLE] The mail store is busy or failing; try again later");
    }
}

void ImapSession::report_changes(bool allow_expunge) {
    if (!view_) return;
    // Cheap check first: nothing changed since the last look (one row), unless expunges are
    // still owed to the client.
    auto modseq = store_.mailbox_modseq(view_->info().id);
    if (!modseq) return;  // deleted by another session; commands on it will fail
    if (*modseq == view_->synced_modseq() && !(allow_expunge && view_->has_held_expunges())) return;
    auto listing = store_.listing(view_->info().id);
    std::optional<store::Uid> recent_from;
    if (!view_->read_only() && !listing->empty() && listing->back().uid > view_->max_uid()) {
        recent_from = store_.claim_recent(view_->info().id);
    }
    send(view_->refresh(std::move(listing), allow_expunge, true, recent_from));
    view_->set_synced_modseq(*modseq);
}

void ImapSession::own_change_applied(const store::ModseqStep& step) {
    if (view_ && step.before == view_->synced_modseq()) view_->set_synced_modseq(step.after);
}

void ImapSession::deselect() {
    if (view_ && watcher_ && connection_.wakeup) watcher_->unwatch(view_->info().id, connection_.wakeup);
    view_.reset();
    if (state_ == State::selected) state_ = State::authenticated;
}

void ImapSession::continue_idle(const std::string& line) {
    waiting_ = Waiting::none;
    std::string tag = std::exchange(waiting_tag_, std::string());
    if (upper(line) != "DONE") {
        complete(tag, bad("Expected DONE to end IDLE"));
        return;
    }
    if (view_) report_changes(true);
    complete(tag, ok("IDLE terminated"));
}

// --- factory ------------------------------------------------------------------------------------

std::unique_ptr<maild::Session> ImapSessionFactory::create(const maild::ConnectionInfo& info) {
    return std::make_unique<ImapSession>(config_, store_, watcher_, info, throttle_);
}

std::string ImapSessionFactory::busy_reply() const {
    return "* BYE [UNAVAILABLE] Too many connections, try again later\r\n";
}

}  // namespace imap
