// Mailbox commands (RFC 3501 §6.3): SELECT, EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE,
// UNSUBSCRIBE, LIST, LSUB, STATUS, APPEND (with UIDPLUS APPENDUID, RFC 4315).
#include <algorithm>
#include <ctime>
#include <set>

#include "common/log.hpp"
#include "imapd/flag_names.hpp"
#include "imapd/imap_date.hpp"
#include "imapd/imap_quote.hpp"
#include "imapd/imap_session.hpp"
#include "imapd/list_pattern.hpp"

namespace imap {

namespace {

constexpr const char* system_flags_text = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

/// "foo/" names the same mailbox as "foo" (RFC 3501 §6.3.3).
std::string strip_trailing_delimiter(std::string name) {
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    return name;
}

}  // namespace

ImapSession::Completion ImapSession::cmd_select(Command& c) {
    bool examine = c.name == "EXAMINE";
    if (!c.args.space()) return syntax_error(c.args);
    auto name = c.args.astring();
    if (!name || !c.args.at_end()) return syntax_error(c.args);
    deselect();  // RFC 3501 §6.3.1: even a failed SELECT leaves no mailbox selected
    // The view counts the messages itself; EXAMINE needs the store's count of unclaimed \Recent.
    auto mailbox =
        store_.find_mailbox(user_->id, *name, examine ? store::MailboxCounts::included : store::MailboxCounts::omitted);
    if (!mailbox) return no("[NONEXISTENT] Mailbox does not exist");
    auto modseq = store_.mailbox_modseq(mailbox->id).value_or(0);
    view_ = std::make_unique<MailboxView>(*mailbox, store_.listing(mailbox->id), examine);
    view_->set_synced_modseq(modseq);
    if (examine) {
        // EXAMINE does not take \Recent away from other sessions: show what is unclaimed.
        store::Uid first = view_->max_uid() + 1;
        for (std::uint32_t seq = view_->exists(), left = mailbox->recent_count; seq >= 1 && left > 0; --seq, --left) {
            first = view_->at(seq).uid;
        }
        view_->mark_recent_from(first);
    } else {
        view_->mark_recent_from(store_.claim_recent(mailbox->id));
    }
    state_ = State::selected;
    if (watcher_ && connection_.wakeup) watcher_->watch(mailbox->id, connection_.wakeup);

    std::string keywords;
    for (const auto& k : view_->keywords_in_use()) keywords += " " + k;
    send("* FLAGS (" + std::string(system_flags_text) + keywords + ")\r\n");
    send("* OK [PERMANENTFLAGS (" + (examine ? std::string() : std::string(system_flags_text) + keywords + " \\*") +
         ")] Flags permitted\r\n");
    send("* " + std::to_string(view_->exists()) + " EXISTS\r\n");
    send("* " + std::to_string(view_->recent_count()) + " RECENT\r\n");
    if (auto unseen = view_->first_unseen()) send("* OK [UNSEEN " + std::to_string(*unseen) + "] First unseen\r\n");
    send("* OK [UIDVALIDITY " + std::to_string(mailbox->uidvalidity) + "] UIDs valid\r\n");
    send("* OK [UIDNEXT " + std::to_string(mailbox->uidnext) + "] Predicted next UID\r\n");
    return ok(examine ? "[READ-ONLY] EXAMINE completed" : "[READ-WRITE] SELECT completed");
}

ImapSession::Completion ImapSession::cmd_create(Command& c) {
    if (!c.args.space()) return syntax_error(c.args);
    auto name = c.args.astring();
    if (!name || !c.args.at_end()) return syntax_error(c.args);
    store_.create_mailbox(user_->id, strip_trailing_delimiter(*name));
    return ok("CREATE completed");
}

ImapSession::Completion ImapSession::cmd_delete(Command& c) {
    if (!c.args.space()) return syntax_error(c.args);
    auto name = c.args.astring();
    if (!name || !c.args.at_end()) return syntax_error(c.args);
    std::string target = strip_trailing_delimiter(*name);
    if (view_) {
        auto mailbox = store_.find_mailbox(user_->id, target);
        if (mailbox && mailbox->id == view_->info().id) deselect();
    }
    store_.delete_mailbox(user_->id, target);
    return ok("DELETE completed");
}

ImapSession::Completion ImapSession::cmd_rename(Command& c) {
    if (!c.args.space()) return syntax_error(c.args);
    auto from = c.args.astring();
    if (!from || !c.args.space()) return syntax_error(c.args);
    auto to = c.args.astring();
    if (!to || !c.args.at_end()) return syntax_error(c.args);
    store_.rename_mailbox(user_->id, strip_trailing_delimiter(*from), strip_trailing_delimiter(*to));
    return ok("RENAME completed");
}

ImapSession::Completion ImapSession::cmd_subscribe(Command& c) {
    if (!c.args.space()) return syntax_error(c.args);
    auto name = c.args.astring();
    if (!name || !c.args.at_end()) return syntax_error(c.args);
    std::string target = strip_trailing_delimiter(*name);
    if (c.name == "SUBSCRIBE") {
        if (!store_.find_mailbox(user_->id, target)) return no("[NONEXISTENT] Mailbox does not exist");
        store_.subscribe(user_->id, target);
    } else {
        store_.unsubscribe(user_->id, target);
    }
    return ok(c.name + " completed");
}

ImapSession::Completion ImapSession::cmd_list(Command& c) {
    bool lsub = c.name == "LSUB";
    if (!c.args.space()) return syntax_error(c.args);
    auto reference = c.args.astring();
    if (!reference || !c.args.space()) return syntax_error(c.args);
    auto pattern = c.args.list_mailbox();
    if (!pattern || !c.args.at_end()) return syntax_error(c.args);
    if (pattern->empty() && !lsub) {  // RFC 3501 §6.3.8: the hierarchy delimiter and root
        send("* LIST (\\Noselect) \"/\" \"\"\r\n");
        return ok("LIST completed");
    }
    std::string combined = combine_list_pattern(*reference, *pattern);
    auto mailboxes = store_.list_mailboxes(user_->id);
    std::set<std::string> names;
    for (const auto& m : mailboxes) names.insert(m.name);
    auto has_children = [&names](const std::string& name) {
        auto it = names.upper_bound(name + "/");
        auto prefix = name + "/";
        return (it != names.end() && it->rfind(prefix, 0) == 0) || names.count(prefix);
    };
    auto line = [&](const std::string& name, std::string attributes) {
        send(std::string("* ") + (lsub ? "LSUB" : "LIST") + " (" + attributes + ") \"/\" " + quote_astring(name) +
             "\r\n");
    };
    if (lsub) {
        auto subscribed = store_.subscriptions(user_->id);
        std::set<std::string> subscribed_names(subscribed.begin(), subscribed.end());
        std::set<std::string> shown;
        for (const auto& name : subscribed) {
            if (list_pattern_matches(combined, name)) {
                auto it =
                    std::find_if(mailboxes.begin(), mailboxes.end(), [&](const auto& m) { return m.name == name; });
                line(name, it == mailboxes.end() ? "\\Noselect" : it->special_use);
                continue;
            }
            // RFC 3501 §6.3.9: with '%', an unsubscribed parent of a subscribed name that the
            // pattern reaches is listed as \Noselect.
            for (auto slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
                std::string parent = name.substr(0, slash);
                if (!subscribed_names.count(parent) && list_pattern_matches(combined, parent) &&
                    shown.insert(parent).second) {
                    line(parent, "\\Noselect");
                }
            }
        }
        return ok("LSUB completed");
    }
    for (const auto& m : mailboxes) {
        if (!list_pattern_matches(combined, m.name)) continue;
        std::string attributes = has_children(m.name) ? "\\HasChildren" : "\\HasNoChildren";
        if (!m.special_use.empty()) attributes += " " + m.special_use;
        line(m.name, attributes);
    }
    return ok("LIST completed");
}

ImapSession::Completion ImapSession::cmd_status(Command& c) {
    if (!c.args.space()) return syntax_error(c.args);
    auto name = c.args.astring();
    if (!name || !c.args.space() || !c.args.consume('(')) return syntax_error(c.args);
    std::vector<std::string> items;
    while (!c.args.consume(')')) {
        if (!items.empty() && !c.args.space()) return syntax_error(c.args);
        auto item = c.args.atom();
        if (!item) return syntax_error(c.args);
        std::string upper = *item;
        for (char& ch : upper)
            if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
        if (upper != "MESSAGES" && upper != "RECENT" && upper != "UIDNEXT" && upper != "UIDVALIDITY" &&
            upper != "UNSEEN") {
            return bad("Unknown STATUS item " + maild::log::sanitize(*item, 30));
        }
        items.push_back(upper);
    }
    if (items.empty() || !c.args.at_end()) return bad("STATUS needs a list of items");
    auto mailbox = store_.find_mailbox(user_->id, *name);
    if (!mailbox) return no("[NONEXISTENT] Mailbox does not exist");
    std::string values;
    for (const auto& item : items) {
        std::uint64_t value = item == "MESSAGES"      ? mailbox->message_count
                              : item == "RECENT"      ? mailbox->recent_count
                              : item == "UIDNEXT"     ? mailbox->uidnext
                              : item == "UIDVALIDITY" ? mailbox->uidvalidity
                                                      : mailbox->unseen_count;
        values += (values.empty() ? "" : " ") + item + " " + std::to_string(value);
    }
    send("* STATUS " + quote_astring(mailbox->name) + " (" + values + ")\r\n");
    return ok("STATUS completed");
}

ImapSession::Completion ImapSession::cmd_append(Command& c) {
    if (!c.args.space()) return syntax_error(c.args);
    auto name = c.args.astring();
    if (!name || !c.args.space()) return syntax_error(c.args);
    FlagSet flags;
    if (c.args.peek('(')) {
        auto read = read_flag_list(c.args, false);
        if (!read || !c.args.space()) return syntax_error(c.args);
        flags = std::move(*read);
    }
    DateTime when{static_cast<std::int64_t>(std::time(nullptr)), 0};
    if (c.args.peek('"')) {
        auto text = c.args.string();
        if (!text) return syntax_error(c.args);
        auto parsed = parse_date_time(*text);
        if (!parsed) return bad("Invalid date-time " + maild::log::sanitize(*text, 40));
        when = *parsed;
        if (!c.args.space()) return syntax_error(c.args);
    }
    if (!c.args.peek('{')) return bad("APPEND needs the message as a literal");
    auto message = c.args.string();
    if (!message || !c.args.at_end()) return syntax_error(c.args);
    auto mailbox = store_.find_mailbox(user_->id, *name, store::MailboxCounts::omitted);
    if (!mailbox) return no("[TRYCREATE] Mailbox does not exist");
    store::Uid uid =
        store_.append(mailbox->id, *message, flags.flags, when.unix_seconds, flags.keywords, when.offset_minutes);
    maild::log::info(connection_.id, "event=append mailbox=" + maild::log::sanitize(mailbox->name) +
                                         " uid=" + std::to_string(uid) + " size=" + std::to_string(message->size()));
    return ok("[APPENDUID " + std::to_string(mailbox->uidvalidity) + " " + std::to_string(uid) + "] APPEND completed");
}

}  // namespace imap
