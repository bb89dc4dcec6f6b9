#include "store/listing_cache.hpp"

#include <algorithm>

#include "common/memory.hpp"

namespace store {

ListingCache::ListingCache(std::size_t max_entries, std::size_t min_messages)
    : max_entries_(max_entries), min_messages_(min_messages) {}

std::optional<ListingCache::Listing> ListingCache::find(MailboxId mailbox) {
    std::lock_guard lock(mutex_);
    auto it = slots_.find(mailbox);
    if (it == slots_.end()) return std::nullopt;
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    return it->second.listing;
}

void ListingCache::keep(MailboxId mailbox, Listing listing) {
    if (!listing.messages || !worth_keeping(listing.messages->size())) return;
    std::lock_guard lock(mutex_);
    if (auto it = slots_.find(mailbox); it != slots_.end()) forget(it);
    entries_ += listing.messages->size();
    recency_.push_front(mailbox);
    slots_.emplace(mailbox, Slot{std::move(listing), recency_.begin()});
    while (entries_ > max_entries_ && !recency_.empty()) forget(slots_.find(recency_.back()));
}

void ListingCache::forget(std::unordered_map<MailboxId, Slot>::iterator it) {
    entries_ -= it->second.listing.messages->size();
    recency_.erase(it->second.recency);
    slots_.erase(it);
}

std::vector<MessageInfo> merge_changes(const std::vector<MessageInfo>& listing, std::vector<MessageInfo> changed,
                                       const std::vector<Uid>& gone) {
    std::vector<MessageInfo> merged;
    maild::reserve_preferring_huge_pages(merged, listing.size() + changed.size());
    auto next_gone = gone.begin();
    auto keep = [&](const MessageInfo& entry) {  // an entry of the listing, unless it is gone
        while (next_gone != gone.end() && *next_gone < entry.uid) ++next_gone;
        if (next_gone == gone.end() || *next_gone != entry.uid) merged.push_back(entry);
    };
    auto old = listing.begin();
    for (auto& entry : changed) {
        while (old != listing.end() && old->uid < entry.uid) keep(*old++);
        if (old != listing.end() && old->uid == entry.uid) ++old;  // replaced
        merged.push_back(std::move(entry));
    }
    for (; old != listing.end(); ++old) keep(*old);
    return merged;
}

}  // namespace store
