// The selected mailbox as one session sees it (RFC 3501 §2.3.1, §7.4.1): the messages in
// sequence-number order, which are \Recent for this session, and the changes other sessions and
// processes made that the client has not been told about yet.
//
// The view changes only through refresh() (other people's changes) and the session's own
// commands (apply_flags, remove); refresh() returns the untagged responses that bring the client
// up to date. Expunges can be held back (no EXPUNGE during FETCH, STORE or SEARCH).
//
// The messages start out as the store's shared listing (for a big mailbox, the one in the listing
// cache: SELECT copies nothing) and are copied on the first change the view has to make.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/mail_store.hpp"

namespace imap {

class MailboxView {
public:
    MailboxView(store::MailboxInfo info, std::shared_ptr<const std::vector<store::MessageInfo>> messages,
                bool read_only);

    const store::MailboxInfo& info() const { return info_; }
    bool read_only() const { return read_only_; }
    std::uint32_t exists() const { return static_cast<std::uint32_t>(messages_->size()); }
    /// 1-based sequence number → message.
    const store::MessageInfo& at(std::uint32_t seq) const { return messages_->at(seq - 1); }
    std::optional<std::uint32_t> seq_of(store::Uid uid) const;
    store::Uid max_uid() const { return messages_->empty() ? 0 : messages_->back().uid; }
    std::uint32_t recent_count() const;
    bool is_recent(store::Uid uid) const { return recent_.count(uid) != 0; }
    void mark_recent_from(store::Uid first);
    /// The first sequence number that is not \Seen, if any (for the UNSEEN response code).
    std::optional<std::uint32_t> first_unseen() const;
    std::vector<std::string> keywords_in_use() const;

    /// Brings the view up to date with a fresh listing; returns the untagged responses (EXPUNGE,
    /// EXISTS, RECENT, FETCH FLAGS). With allow_expunge false, removed messages stay in the view.
    /// New messages with a UID >= recent_from are \Recent for this session.
    std::string refresh(const std::vector<store::MessageInfo>& fresh, bool allow_expunge, bool include_uid,
                        std::optional<store::Uid> recent_from = std::nullopt);
    /// The same, from the store's shared listing: a view that still shares its messages takes
    /// the new listing as it is, rather than copying the old one to change it.
    std::string refresh(std::shared_ptr<const std::vector<store::MessageInfo>> listing, bool allow_expunge,
                        bool include_uid, std::optional<store::Uid> recent_from = std::nullopt);
    /// The session changed these messages itself.
    void apply_flags(const store::MessageInfo& changed);
    /// The session expunged these UIDs; returns the untagged EXPUNGE responses.
    std::string remove(const std::vector<store::Uid>& uids);
    /// Called after the uidnext of the mailbox moved (APPEND/COPY into it).
    void set_uidnext(store::Uid uidnext) { info_.uidnext = std::max(info_.uidnext, uidnext); }
    /// The mailbox modseq the view was last brought up to date with (0: unknown).
    std::uint64_t synced_modseq() const { return synced_modseq_; }
    void set_synced_modseq(std::uint64_t modseq) { synced_modseq_ = modseq; }
    /// Expunges seen in the store but not yet told to the client (held back during FETCH etc.).
    bool has_held_expunges() const { return held_expunges_; }

private:
    /// The untagged FETCH FLAGS response for message m at sequence number seq.
    std::string flags_response(std::size_t seq, const store::MessageInfo& m, bool include_uid) const;
    /// Ends a refresh: UIDNEXT follows the messages; EXISTS and RECENT when they changed.
    std::string announce_counts();
    /// The messages, made the view's own (copied) if they were still shared.
    std::vector<store::MessageInfo>& writable();

    store::MailboxInfo info_;
    std::shared_ptr<const std::vector<store::MessageInfo>> messages_;  ///< ascending UID = sequence order
    std::vector<store::MessageInfo>* own_ = nullptr;                   ///< *messages_ once the view has its own copy
    std::set<store::Uid> recent_;
    bool read_only_;
    std::uint32_t announced_exists_ = 0;
    std::uint32_t announced_recent_ = 0;
    std::uint64_t synced_modseq_ = 0;
    bool held_expunges_ = false;
};

}  // namespace imap
