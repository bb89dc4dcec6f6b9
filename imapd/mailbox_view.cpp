#include "imapd/mailbox_view.hpp"

#include <algorithm>

#include "common/memory.hpp"
#include "imapd/flag_names.hpp"

namespace imap {

MailboxView::MailboxView(store::MailboxInfo info, std::shared_ptr<const std::vector<store::MessageInfo>> messages,
                         bool read_only)
    : info_(std::move(info)), messages_(std::move(messages)), read_only_(read_only) {
    announced_exists_ = exists();
}

std::vector<store::MessageInfo>& MailboxView::writable() {
    if (!own_) {
        auto copy = std::make_shared<std::vector<store::MessageInfo>>();
        maild::reserve_preferring_huge_pages(*copy, messages_->size());
        copy->assign(messages_->begin(), messages_->end());
        own_ = copy.get();
        messages_ = std::move(copy);
    }
    return *own_;
}

std::optional<std::uint32_t> MailboxView::seq_of(store::Uid uid) const {
    const auto& messages = *messages_;
    auto it = std::lower_bound(messages.begin(), messages.end(), uid,
                               [](const store::MessageInfo& m, store::Uid u) { return m.uid < u; });
    if (it == messages.end() || it->uid != uid) return std::nullopt;
    return static_cast<std::uint32_t>(it - messages.begin() + 1);
}

std::uint32_t MailboxView::recent_count() const {
    // Usually few messages are \Recent in a big mailbox: look those up rather than scan it all.
    std::uint32_t count = 0;
    if (recent_.size() < messages_->size() / 16) {
        for (store::Uid uid : recent_)
            if (seq_of(uid)) ++count;
        return count;
    }
    // Both are in UID order: walk them side by side.
    auto recent = recent_.begin();
    for (const auto& m : *messages_) {
        while (recent != recent_.end() && *recent < m.uid) ++recent;
        if (recent == recent_.end()) break;
        if (*recent == m.uid) ++count;
    }
    return count;
}

void MailboxView::mark_recent_from(store::Uid first) {
    auto from = std::lower_bound(messages_->begin(), messages_->end(), first,
                                 [](const store::MessageInfo& m, store::Uid u) { return m.uid < u; });
    for (auto it = from; it != messages_->end(); ++it) recent_.insert(recent_.end(), it->uid);
    announced_recent_ = recent_count();
}

std::optional<std::uint32_t> MailboxView::first_unseen() const {
    const auto& messages = *messages_;
    for (std::size_t i = 0; i < messages.size(); ++i)
        if (!(messages[i].flags & store::flag_seen)) return static_cast<std::uint32_t>(i + 1);
    return std::nullopt;
}

std::vector<std::string> MailboxView::keywords_in_use() const {
    std::set<std::string> seen;
    std::vector<std::string> keywords;
    for (const auto& m : *messages_)
        for (const auto& k : m.keywords)
            if (seen.insert(k).second) keywords.push_back(k);
    return keywords;
}

std::string MailboxView::flags_response(std::size_t seq, const store::MessageInfo& m, bool include_uid) const {
    std::string out = "* " + std::to_string(seq) + " FETCH (";
    if (include_uid) out += "UID " + std::to_string(m.uid) + " ";
    return out + "FLAGS " + flag_list(m.flags, m.keywords, is_recent(m.uid)) + ")\r\n";
}

std::string MailboxView::announce_counts() {
    std::string out;
    if (!messages_->empty()) info_.uidnext = std::max(info_.uidnext, messages_->back().uid + 1);
    if (exists() != announced_exists_) {
        out += "* " + std::to_string(exists()) + " EXISTS\r\n";
        announced_exists_ = exists();
    }
    std::uint32_t recent = recent_count();
    if (recent != announced_recent_) {
        out += "* " + std::to_string(recent) + " RECENT\r\n";
        announced_recent_ = recent;
    }
    return out;
}

std::string MailboxView::refresh(const std::vector<store::MessageInfo>& fresh, bool allow_expunge, bool include_uid,
                                 std::optional<store::Uid> recent_from) {
    std::string out;
    // 1. Expunges, highest sequence number first so earlier numbers stay valid.
    // Both are in UID order: what the client knows and the store no longer has is found in one
    // pass side by side.
    std::vector<store::Uid> gone;
    std::size_t j = 0;
    for (const auto& m : *messages_) {
        while (j < fresh.size() && fresh[j].uid < m.uid) ++j;
        if (j >= fresh.size() || fresh[j].uid != m.uid) gone.push_back(m.uid);
    }
    held_expunges_ = !allow_expunge && !gone.empty();
    if (allow_expunge) out += remove(gone);
    // 2. Flag changes of messages the client knows.
    j = 0;
    for (std::size_t i = 0; i < messages_->size(); ++i) {
        const auto& known = (*messages_)[i];
        while (j < fresh.size() && fresh[j].uid < known.uid) ++j;
        if (j < fresh.size() && fresh[j].uid == known.uid &&
            (fresh[j].flags != known.flags || fresh[j].keywords != known.keywords)) {
            auto& m = writable()[i];
            m.flags = fresh[j].flags;
            m.keywords = fresh[j].keywords;
            m.modseq = fresh[j].modseq;
            out += flags_response(i + 1, m, include_uid);
        }
    }
    // 3. New messages.
    store::Uid known = max_uid();
    auto first_new = std::upper_bound(fresh.begin(), fresh.end(), known,
                                      [](store::Uid u, const store::MessageInfo& m) { return u < m.uid; });
    if (first_new != fresh.end()) {
        auto& messages = writable();
        for (auto it = first_new; it != fresh.end(); ++it) {
            messages.push_back(*it);
            if (recent_from && it->uid >= *recent_from) recent_.insert(it->uid);
        }
    }
    return out + announce_counts();
}

std::string MailboxView::refresh(std::shared_ptr<const std::vector<store::MessageInfo>> listing, bool allow_expunge,
                                 bool include_uid, std::optional<store::Uid> recent_from) {
    // Holding expunges keeps messages the listing no longer has; a view with its own copy
    // changes it in place. Both go the general way.
    if (!allow_expunge || own_) return refresh(*listing, allow_expunge, include_uid, recent_from);
    const auto& known = *messages_;
    const auto& fresh = *listing;
    std::string out;
    // 1. Expunges. Every message of the listing up to the highest UID the client knows is one it
    // knows (new ones get higher UIDs), so what the client knows and the listing lacks is gone.
    std::vector<std::uint32_t> gone;  // sequence numbers, ascending
    std::size_t j = 0;
    for (std::size_t i = 0; i < known.size(); ++i) {
        while (j < fresh.size() && fresh[j].uid < known[i].uid) ++j;
        if (j >= fresh.size() || fresh[j].uid != known[i].uid) {
            gone.push_back(static_cast<std::uint32_t>(i + 1));
            recent_.erase(known[i].uid);
        }
    }
    // Highest sequence number first, so each number is right when the client reads it.
    for (auto seq = gone.rbegin(); seq != gone.rend(); ++seq) out += "* " + std::to_string(*seq) + " EXPUNGE\r\n";
    const store::Uid known_max = max_uid();
    // 2. Flag changes of messages the client knows, numbered as they are after the expunges:
    // their place in the listing.
    j = 0;
    for (const auto& k : known) {
        while (j < fresh.size() && fresh[j].uid < k.uid) ++j;
        if (j < fresh.size() && fresh[j].uid == k.uid &&
            (fresh[j].flags != k.flags || fresh[j].keywords != k.keywords)) {
            const auto& m = fresh[j];
            out += flags_response(j + 1, m, include_uid);
        }
    }
    // What the client now believes, as remove() leaves it.
    announced_exists_ = static_cast<std::uint32_t>(known.size() - gone.size());
    announced_recent_ = static_cast<std::uint32_t>(
        std::count_if(recent_.begin(), recent_.end(), [&](store::Uid uid) { return uid <= known_max; }));
    // 3. New messages.
    auto first_new = std::upper_bound(fresh.begin(), fresh.end(), known_max,
                                      [](store::Uid u, const store::MessageInfo& m) { return u < m.uid; });
    for (auto it = first_new; it != fresh.end(); ++it) {
        if (recent_from && it->uid >= *recent_from) recent_.insert(it->uid);
    }
    messages_ = std::move(listing);
    held_expunges_ = false;
    return out + announce_counts();
}

void MailboxView::apply_flags(const store::MessageInfo& changed) {
    if (auto seq = seq_of(changed.uid)) {
        auto& m = writable()[*seq - 1];
        m.flags = changed.flags;
        m.keywords = changed.keywords;
        m.modseq = changed.modseq;
    }
}

std::string MailboxView::remove(const std::vector<store::Uid>& uids) {
    std::string out;
    std::vector<store::Uid> sorted(uids);
    std::sort(sorted.rbegin(), sorted.rend());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    // Responses from the highest sequence number down, so each number is right when it is read.
    std::vector<std::uint32_t> gone;
    for (store::Uid uid : sorted) {
        auto seq = seq_of(uid);
        if (!seq) continue;
        out += "* " + std::to_string(*seq) + " EXPUNGE\r\n";
        gone.push_back(*seq);
        recent_.erase(uid);
    }
    if (!gone.empty()) {  // one pass, not one erase (moving everything after it) per message
        auto& messages = writable();
        std::size_t next_gone = gone.size();  // gone is descending: walk it from the back
        std::size_t kept = 0;
        for (std::size_t i = 0; i < messages.size(); ++i) {
            if (next_gone > 0 && gone[next_gone - 1] == i + 1) {
                --next_gone;
                continue;
            }
            if (kept != i) messages[kept] = std::move(messages[i]);
            ++kept;
        }
        messages.resize(kept);
    }
    announced_exists_ = exists();
    announced_recent_ = recent_count();
    return out;
}

}  // namespace imap
