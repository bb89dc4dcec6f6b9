// Listings of large mailboxes, kept between SELECTs and brought up to date from the changes since.
//
// Listing a mailbox reads every entry (100,000 rows: about 20 ms), and clients SELECT the same big
// mailboxes again and again. The cache keeps the last listing of each mailbox with the mailbox's
// highest modseq when it was read. Every change to an entry gives it a new modseq above that
// and moves the mailbox's highest modseq, so in the reading transaction:
//   - the same highest modseq and count: the listing is still exact;
//   - otherwise the entries with a newer modseq replace or join the cached ones, and the entries
//     expunged or moved away since (remembered by modseq in expunged_entries) leave. When the
//     result does not have the mailbox's message count (a removal too old to be remembered, a
//     renamed INBOX), the mailbox is listed in full.
// The cached listings are immutable and shared; a listing handed out is a copy. Bounded by the
// total number of entries kept (least recently used mailboxes go first).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "store/mail_store.hpp"

namespace store {

class ListingCache {
public:
    struct Listing {
        std::uint32_t uidvalidity = 0;
        std::uint64_t highest_modseq = 0;
        std::shared_ptr<const std::vector<MessageInfo>> messages;
    };

    /// max_entries: messages kept over all mailboxes; mailboxes below min_messages are not kept
    /// (listing them is cheap).
    ListingCache(std::size_t max_entries, std::size_t min_messages);

    std::optional<Listing> find(MailboxId mailbox);
    /// Keeps listing for mailbox (replacing an older one); evicts the least recently used.
    void keep(MailboxId mailbox, Listing listing);
    /// Whether a mailbox of this many messages is worth keeping.
    bool worth_keeping(std::size_t messages) const { return messages >= min_messages_ && messages <= max_entries_; }

private:
    struct Slot {
        Listing listing;
        std::list<MailboxId>::iterator recency;
    };
    void forget(std::unordered_map<MailboxId, Slot>::iterator it);

    std::size_t max_entries_;
    std::size_t min_messages_;
    std::mutex mutex_;
    std::unordered_map<MailboxId, Slot> slots_;  // guarded by mutex_
    std::list<MailboxId> recency_;               // guarded by mutex_: most recently used first
    std::size_t entries_ = 0;                    // guarded by mutex_
};

/// Applies entries changed since a listing (ascending UIDs) to a copy of it: same UID replaces,
/// a new UID joins in order, and the UIDs in gone (ascending) leave.
std::vector<MessageInfo> merge_changes(const std::vector<MessageInfo>& listing, std::vector<MessageInfo> changed,
                                       const std::vector<Uid>& gone = {});

}  // namespace store
