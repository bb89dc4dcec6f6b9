// Commands on the selected mailbox (RFC 3501 §6.4): CHECK, CLOSE, UNSELECT (RFC 3691), EXPUNGE
// and UID EXPUNGE (RFC 4315), STORE, COPY and MOVE (RFC 6851) with COPYUID.
#include "common/log.hpp"
#include "imapd/flag_names.hpp"
#include "imapd/imap_session.hpp"

namespace imap {

std::optional<std::vector<std::uint32_t>> ImapSession::read_message_set(CommandReader& reader, bool uid,
                                                                        Completion& error) {
    auto set = NumberSet::read(reader);
    if (!set) {
        error = syntax_error(reader);
        return std::nullopt;
    }
    std::vector<std::uint32_t> seqs;
    const std::uint32_t exists = view_->exists();
    if (exists == 0) return seqs;
    if (uid) {
        auto ranges = set->resolve(view_->max_uid());
        std::size_t r = 0;
        for (std::uint32_t seq = 1; seq <= exists && r < ranges.size(); ++seq) {
            store::Uid u = view_->at(seq).uid;
            while (r < ranges.size() && ranges[r].second < u) ++r;
            if (r < ranges.size() && ranges[r].first <= u) seqs.push_back(seq);
        }
        return seqs;
    }
    for (auto [low, high] : set->resolve(exists)) {
        if (high > exists) {
            error = bad("Invalid message sequence number " + std::to_string(high) + " (mailbox has " +
                        std::to_string(exists) + ")");
            return std::nullopt;
        }
        for (std::uint32_t seq = low; seq <= high; ++seq) seqs.push_back(seq);
    }
    return seqs;
}

ImapSession::Completion ImapSession::cmd_check(Command& c) {
    if (!c.args.at_end()) return bad("CHECK takes no arguments");
    return ok("CHECK completed");  // every change is already durable
}

ImapSession::Completion ImapSession::cmd_close(Command& c) {
    if (!c.args.at_end()) return bad(c.name + " takes no arguments");
    if (c.name == "CLOSE" && !view_->read_only()) store_.expunge(view_->info().id);  // silently
    deselect();
    return ok(c.name + " completed");
}

ImapSession::Completion ImapSession::cmd_expunge(Command& c) {
    std::optional<std::vector<store::Uid>> only;
    if (c.uid) {
        Completion error;
        if (!c.args.space()) return syntax_error(c.args);
        auto seqs = read_message_set(c.args, true, error);
        if (!seqs) return error;
        only.emplace();
        for (auto seq : *seqs) only->push_back(view_->at(seq).uid);
    }
    if (!c.args.at_end()) return bad("Extra arguments to EXPUNGE");
    if (view_->read_only()) return no("[READ-ONLY] Mailbox is read-only");
    store::ModseqStep step;
    auto removed = store_.expunge(view_->info().id,
                                  only ? std::optional(std::span<const store::Uid>(*only)) : std::nullopt, &step);
    send(view_->remove(removed));
    own_change_applied(step);
    return ok("EXPUNGE completed");
}

ImapSession::Completion ImapSession::cmd_store(Command& c) {
    Completion error;
    if (!c.args.space()) return syntax_error(c.args);
    auto seqs = read_message_set(c.args, c.uid, error);
    if (!seqs) return error;
    if (!c.args.space()) return syntax_error(c.args);
    store::FlagChange change = store::FlagChange::replace;
    if (c.args.consume('+')) {
        change = store::FlagChange::add;
    } else if (c.args.consume('-')) {
        change = store::FlagChange::remove;
    }
    if (!c.args.keyword("FLAGS")) return bad("STORE expects FLAGS, +FLAGS or -FLAGS");
    bool silent = c.args.keyword(".SILENT");
    if (!c.args.space()) return syntax_error(c.args);
    auto flags = read_flag_list(c.args, true);
    if (!flags) return syntax_error(c.args);
    if (!c.args.at_end()) return bad("Extra arguments to STORE");
    if (view_->read_only()) return no("[READ-ONLY] Mailbox is read-only");
    std::vector<store::Uid> uids;
    for (auto seq : *seqs) uids.push_back(view_->at(seq).uid);
    store::ModseqStep step;
    auto changed = store_.change_flags(view_->info().id, uids, change, flags->flags, flags->keywords, &step);
    for (const auto& info : changed) {
        view_->apply_flags(info);
        if (silent) continue;
        auto seq = view_->seq_of(info.uid);
        if (!seq) continue;
        send("* " + std::to_string(*seq) + " FETCH (FLAGS " +
             flag_list(info.flags, info.keywords, view_->is_recent(info.uid)) +
             (c.uid ? " UID " + std::to_string(info.uid) : std::string()) + ")\r\n");
    }
    own_change_applied(step);
    return ok("STORE completed");
}

ImapSession::Completion ImapSession::cmd_copy(Command& c) {
    bool move = c.name == "MOVE";
    Completion error;
    if (!c.args.space()) return syntax_error(c.args);
    auto seqs = read_message_set(c.args, c.uid, error);
    if (!seqs) return error;
    if (!c.args.space()) return syntax_error(c.args);
    auto name = c.args.astring();
    if (!name || !c.args.at_end()) return syntax_error(c.args);
    if (move && view_->read_only()) return no("[READ-ONLY] Mailbox is read-only");
    auto destination = store_.find_mailbox(user_->id, *name, store::MailboxCounts::omitted);
    if (!destination) return no("[TRYCREATE] Mailbox does not exist");
    std::vector<store::Uid> uids;
    for (auto seq : *seqs) uids.push_back(view_->at(seq).uid);
    if (uids.empty()) return ok(c.name + " completed (no messages)");
    auto pairs = store_.copy_messages(view_->info().id, uids, destination->id, move);
    std::vector<std::uint32_t> from, to;
    for (const auto& pair : pairs) {
        from.push_back(pair.source);
        to.push_back(pair.destination);
    }
    std::string copyuid = "[COPYUID " + std::to_string(destination->uidvalidity) + " " + compact_number_list(from) +
                          " " + compact_number_list(to) + "]";
    if (destination->id == view_->info().id) view_->set_uidnext(to.empty() ? 0 : to.back() + 1);
    if (!move) return ok(copyuid + " COPY completed");
    send("* OK " + copyuid + " Moved\r\n");
    send(view_->remove(from));
    return ok("MOVE completed");
}

}  // namespace imap
