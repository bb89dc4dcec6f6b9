// FETCH and UID FETCH (RFC 3501 §6.4.5): responses in ascending order, one per message.
#include "common/log.hpp"
#include "imapd/fetch_request.hpp"
#include "imapd/flag_names.hpp"
#include "imapd/imap_date.hpp"
#include "imapd/imap_session.hpp"
#include "imapd/message_section.hpp"
#include "imapd/mime_render.hpp"
#include "store/message/mime_serialize.hpp"

namespace imap {

MimePart ImapSession::load_structure(const store::MailStore::Snapshot& snapshot, store::MessageId message,
                                     const std::string& raw) {
    // Parsed once at delivery or APPEND and kept in the store; messages stored without it (or
    // with a structure from an older format) are parsed now and the result kept.
    if (auto stored = snapshot.read_structure(message)) {
        if (auto tree = message::deserialize_structure(*stored); tree && message::structure_fits(*tree, raw.size())) {
            return std::move(*tree);
        }
    }
    MimePart tree = parse_message(raw);
    try {
        store_.save_structure(message, message::serialize_structure(tree));
    } catch (const store::StoreError& e) {
        maild::log::debug(connection_.id, std::string("event=structure-not-saved error=\"") + e.what() + "\"");
    }
    return tree;
}

ImapSession::Completion ImapSession::cmd_fetch(Command& c) {
    Completion error;
    if (!c.args.space()) return syntax_error(c.args);
    auto seqs = read_message_set(c.args, c.uid, error);
    if (!seqs) return error;
    if (!c.args.space()) return syntax_error(c.args);
    auto request = read_fetch_request(c.args);
    if (!request) return syntax_error(c.args);
    if (!c.args.at_end()) return bad("Extra arguments to FETCH");
    if (c.uid) request->uid = true;
    bool set_seen = request->sets_seen() && !view_->read_only();

    std::size_t missing = 0;
    std::string line;
    // One read transaction for the messages this command reads, given up whenever part of the
    // response goes to the client (write_output_now): a slow client must not hold a snapshot
    // open, which keeps the store's log from being checkpointed, for as long as it reads.
    std::optional<store::MailStore::Snapshot> snapshot;
    open_snapshot_ = &snapshot;
    struct ForgetSnapshot {
        std::optional<store::MailStore::Snapshot>*& slot;
        ~ForgetSnapshot() { slot = nullptr; }
    } forget{open_snapshot_};
    for (auto seq : *seqs) {
        if (output_lost_) break;  // nobody is reading: the connection ends after this command
        store::MessageInfo info = view_->at(seq);
        std::string raw;
        std::optional<MimePart> tree;
        if (request->needs_message()) {
            if (!snapshot) snapshot.emplace(store_.snapshot());
            try {
                raw = snapshot->read_raw(info.message_id);
            } catch (const store::StoreError& e) {
                if (e.kind() != store::StoreError::Kind::not_found) throw;
                ++missing;  // expunged by another session; its EXPUNGE is still pending
                continue;
            }
            if (request->envelope || request->body || request->body_structure || !request->sections.empty()) {
                tree = load_structure(*snapshot, info.message_id, raw);
            }
        }
        bool flags_changed = false;
        if (set_seen && !(info.flags & store::flag_seen)) {
            store::Uid uids[] = {info.uid};
            auto changed = store_.change_flags(view_->info().id, uids, store::FlagChange::add, store::flag_seen, {});
            if (!changed.empty()) {
                info = changed.front();
                info.size = view_->at(seq).size;
                view_->apply_flags(changed.front());
                flags_changed = true;
            }
        }
        // The response is built in one reused buffer: no string per item (a UID FETCH 1:* of a
        // large mailbox writes a line for every message).
        line.assign("* ");
        line += std::to_string(seq);
        line += " FETCH (";
        const std::size_t items_start = line.size();
        auto item = [&](std::string_view name) {
            if (line.size() > items_start) line += ' ';
            line += name;
            line += ' ';
        };
        if (request->uid) {
            item("UID");
            line += std::to_string(info.uid);
        }
        if (request->flags || flags_changed) {
            item("FLAGS");
            append_flag_list(line, info.flags, info.keywords, view_->is_recent(info.uid));
        }
        if (request->internal_date) {
            item("INTERNALDATE");
            line += '"';
            line += format_date_time(DateTime{info.internal_date, info.internal_date_offset});
            line += '"';
        }
        if (request->size) {
            item("RFC822.SIZE");
            line += std::to_string(info.size);
        }
        if (request->envelope) {
            item("ENVELOPE");
            line += render_envelope(raw, *tree);
        }
        if (request->body) {
            item("BODY");
            line += render_body_structure(raw, *tree, false);
        }
        if (request->body_structure) {
            item("BODYSTRUCTURE");
            line += render_body_structure(raw, *tree, true);
        }
        for (const auto& section : request->sections) {
            item(section.response_name());
            auto bytes = extract_section(raw, *tree, section);
            if (!bytes) {
                line += "NIL";
                continue;
            }
            std::string_view view(*bytes);
            if (section.origin) {
                std::size_t origin = std::min<std::size_t>(*section.origin, view.size());
                view = view.substr(origin, *section.count);
            }
            line += '{';
            line += std::to_string(view.size());
            line += "}\r\n";
            line += view;
        }
        line += ")\r\n";
        send(line);
    }
    if (missing > 0) return no("[EXPUNGEISSUED] Some messages were expunged by another session");
    return ok(c.uid ? "UID FETCH completed" : "FETCH completed");
}

}  // namespace imap
