// MailStore: delivering, appending, reading, flagging, copying and expunging messages.
#include <algorithm>
#include <cctype>
#include <set>

#include "common/memory.hpp"
#include "store/listing_cache.hpp"
#include "store/mail_store.hpp"
#include "store/mail_store_impl.hpp"

namespace store {

using Kind = StoreError::Kind;

namespace {

constexpr std::uint32_t system_flags_mask = flag_seen | flag_answered | flag_flagged | flag_deleted | flag_draft;

std::optional<std::string> build_structure(const OpenOptions& options, std::string_view raw) {
    if (!options.structure_builder) return std::nullopt;
    return options.structure_builder(raw);
}

MessageId insert_message(sqlite::Database& db, std::string_view raw, const std::optional<std::string>& structure) {
    sqlite::Statement s(db, "INSERT INTO messages (raw, size, structure) VALUES (?1, ?2, ?3)");
    s.bind_blob(1, raw).bind(2, static_cast<std::int64_t>(raw.size()));
    if (structure) {
        s.bind_blob(3, *structure);
    } else {
        s.bind_null(3);
    }
    s.run();
    return db.last_insert_rowid();
}

void insert_entry(sqlite::Database& db, MailboxId mailbox, Uid uid, MessageId message, std::int64_t size,
                  std::uint32_t flags, std::string_view keywords, std::int64_t internal_date, std::int32_t offset,
                  std::uint64_t modseq) {
    sqlite::Statement s(db,
                        "INSERT INTO mailbox_messages (mailbox_id, uid, message_id, flags, keywords, internal_date,"
                        " date_offset, modseq, size) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    s.bind(1, mailbox).bind(2, static_cast<std::int64_t>(uid)).bind(3, message).bind(4, flags & system_flags_mask);
    s.bind(5, keywords).bind(6, internal_date).bind(7, offset).bind(8, static_cast<std::int64_t>(modseq));
    s.bind(9, size).run();
}

bool same_keyword(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::vector<std::string> combine_keywords(std::vector<std::string> present, const std::vector<std::string>& given,
                                          FlagChange change) {
    auto has = [](const std::vector<std::string>& list, const std::string& k) {
        return std::any_of(list.begin(), list.end(), [&](const std::string& x) { return same_keyword(x, k); });
    };
    switch (change) {
        case FlagChange::replace: present.clear(); [[fallthrough]];
        case FlagChange::add:
            for (const auto& k : given)
                if (!has(present, k)) present.push_back(k);
            break;
        case FlagChange::remove: std::erase_if(present, [&](const std::string& x) { return has(given, x); }); break;
    }
    return present;
}

MessageInfo entry_from_row(const sqlite::Statement& s) {
    MessageInfo info;
    info.uid = static_cast<Uid>(s.int64(0));
    info.message_id = s.int64(1);
    info.flags = static_cast<std::uint32_t>(s.int64(2));
    if (s.bytes(3) > 0) info.keywords = detail::split_keywords(s.text(3));  // most messages have none
    info.internal_date = s.int64(4);
    info.internal_date_offset = static_cast<std::int32_t>(s.int64(5));
    info.size = static_cast<std::uint64_t>(s.int64(6));
    info.modseq = static_cast<std::uint64_t>(s.int64(7));
    return info;
}

constexpr const char* entry_columns =
    "SELECT e.uid, e.message_id, e.flags, e.keywords, e.internal_date, e.date_offset, e.size, e.modseq"
    " FROM mailbox_messages e ";
/// The same columns, found through the modseq index: the planner would rather walk the whole
/// mailbox in UID order than sort the few entries that changed.
constexpr const char* entry_columns_by_modseq =
    "SELECT e.uid, e.message_id, e.flags, e.keywords, e.internal_date, e.date_offset, e.size, e.modseq"
    " FROM mailbox_messages e INDEXED BY mailbox_messages_by_modseq ";

}  // namespace

namespace {

/// Stores raw once and appends it to each user's INBOX, inside the caller's transaction.
Delivery deliver_to_users(sqlite::Database& db, std::string_view raw, const std::optional<std::string>& structure,
                          std::vector<UserId> users, std::int64_t internal_date) {
    std::sort(users.begin(), users.end());
    users.erase(std::unique(users.begin(), users.end()), users.end());
    Delivery stored;
    stored.message = insert_message(db, raw, structure);
    std::uint64_t modseq = detail::next_modseq(db);
    for (UserId user : users) {
        auto inbox = detail::mailbox_id(db, user, "INBOX");
        if (!inbox) throw StoreError(Kind::not_found, "user " + std::to_string(user) + " has no INBOX");
        Uid uid = detail::reserve_uids(db, *inbox, 1);
        insert_entry(db, *inbox, uid, stored.message, static_cast<std::int64_t>(raw.size()), 0, "", internal_date, 0,
                     modseq);
        detail::touch_mailbox(db, *inbox, modseq);
        stored.copies.push_back(DeliveredCopy{user, *inbox, uid});
    }
    return stored;
}

}  // namespace

Delivery MailStore::deliver(std::string_view raw, std::span<const UserId> recipients, std::int64_t internal_date) {
    if (recipients.empty()) throw StoreError(Kind::invalid, "a delivery needs at least one recipient");
    auto structure = build_structure(impl_->options, raw);  // parsing happens outside the write lock
    Delivery delivery;
    impl_->group_commit.run([&](sqlite::Database& db) {
        delivery = deliver_to_users(db, raw, structure, {recipients.begin(), recipients.end()}, internal_date);
    });  // durably committed (with whatever else arrived meanwhile) when this returns
    return delivery;
}

Delivery MailStore::deliver(std::string_view raw, std::span<const std::string> addresses, std::int64_t internal_date) {
    if (addresses.empty()) throw StoreError(Kind::invalid, "a delivery needs at least one recipient");
    auto structure = build_structure(impl_->options, raw);
    Delivery delivery;
    impl_->group_commit.run([&](sqlite::Database& db) {
        std::vector<UserId> users;
        users.reserve(addresses.size());
        for (const auto& address : addresses) {
            sqlite::Statement s(db, "SELECT id FROM users WHERE address = ?1");
            s.bind(1, address);
            if (!s.step()) throw StoreError(Kind::not_found, "recipient " + address + " no longer exists");
            users.push_back(s.int64(0));
        }
        delivery = deliver_to_users(db, raw, structure, std::move(users), internal_date);
    });
    return delivery;
}

Uid MailStore::append(MailboxId mailbox, std::string_view raw, std::uint32_t flags, std::int64_t internal_date,
                      const std::vector<std::string>& keywords, std::int32_t date_offset_minutes) {
    auto structure = build_structure(impl_->options, raw);
    std::string stored_keywords = detail::join_keywords(combine_keywords({}, keywords, FlagChange::add));
    Uid uid = 0;
    impl_->group_commit.run([&](sqlite::Database& db) {
        Uid reserved = detail::reserve_uids(db, mailbox, 1);
        MessageId message = insert_message(db, raw, structure);
        std::uint64_t modseq = detail::next_modseq(db);
        insert_entry(db, mailbox, reserved, message, static_cast<std::int64_t>(raw.size()), flags, stored_keywords,
                     internal_date, date_offset_minutes, modseq);
        detail::touch_mailbox(db, mailbox, modseq);
        uid = reserved;
    });  // durably committed when this returns
    return uid;
}

std::shared_ptr<const std::vector<MessageInfo>> MailStore::listing(MailboxId mailbox) const {
    using Listing = std::shared_ptr<const std::vector<MessageInfo>>;
    Impl::Reader reader(*impl_);
    sqlite::Transaction snapshot(reader.db(), sqlite::Transaction::Mode::read);  // all reads below agree
    sqlite::Statement state(reader.db(),
                            "SELECT message_count, highest_modseq, uidvalidity FROM mailboxes WHERE id = ?1");
    state.bind(1, mailbox);
    if (!state.step()) return std::make_shared<const std::vector<MessageInfo>>();
    const auto count = static_cast<std::size_t>(state.int64(0));
    const auto highest_modseq = static_cast<std::uint64_t>(state.int64(1));
    const auto uidvalidity = static_cast<std::uint32_t>(state.int64(2));
    auto read_all = [&] {
        std::vector<MessageInfo> entries;
        maild::reserve_preferring_huge_pages(entries, count);
        sqlite::Statement s(reader.db(), std::string(entry_columns) + "WHERE e.mailbox_id = ?1 ORDER BY e.uid");
        s.bind(1, mailbox);
        while (s.step()) entries.push_back(entry_from_row(s));
        return entries;
    };
    auto read_changed_since = [&](std::uint64_t modseq) {
        std::vector<MessageInfo> entries;
        sqlite::Statement s(reader.db(), std::string(entry_columns_by_modseq) +
                                             "WHERE e.mailbox_id = ?1 AND e.modseq > ?2 ORDER BY e.uid");
        s.bind(1, mailbox).bind(2, static_cast<std::int64_t>(modseq));
        while (s.step()) entries.push_back(entry_from_row(s));
        return entries;
    };

    ListingCache* cache = impl_->listing_cache.get();
    if (!cache || !cache->worth_keeping(count)) {
        return std::make_shared<const std::vector<MessageInfo>>(read_all());
    }
    if (auto cached = cache->find(mailbox); cached && cached->uidvalidity == uidvalidity) {
        if (cached->highest_modseq == highest_modseq && cached->messages->size() == count) return cached->messages;
        std::vector<Uid> gone;
        sqlite::Statement expunged(
            reader.db(), "SELECT uid FROM expunged_entries WHERE mailbox_id = ?1 AND modseq > ?2 ORDER BY uid");
        expunged.bind(1, mailbox).bind(2, static_cast<std::int64_t>(cached->highest_modseq));
        while (expunged.step()) gone.push_back(static_cast<Uid>(expunged.int64(0)));
        auto merged = merge_changes(*cached->messages, read_changed_since(cached->highest_modseq), gone);
        if (merged.size() == count) {  // else something went unrecorded (too long ago): list in full
            Listing listing = std::make_shared<const std::vector<MessageInfo>>(std::move(merged));
            cache->keep(mailbox, {uidvalidity, highest_modseq, listing});
            return listing;
        }
    }
    Listing listing = std::make_shared<const std::vector<MessageInfo>>(read_all());
    cache->keep(mailbox, {uidvalidity, highest_modseq, listing});
    return listing;
}

std::string MailStore::read_message(MailboxId mailbox, Uid uid) const {
    Impl::Reader reader(*impl_);
    sqlite::Statement s(reader.db(),
                        "SELECT m.raw FROM mailbox_messages e JOIN messages m ON m.id = e.message_id"
                        " WHERE e.mailbox_id = ?1 AND e.uid = ?2");
    s.bind(1, mailbox).bind(2, static_cast<std::int64_t>(uid));
    if (!s.step()) throw StoreError(Kind::not_found, "no message with UID " + std::to_string(uid));
    return s.blob(0);
}

namespace {

std::string raw_of(sqlite::Database& db, MessageId message) {
    sqlite::Statement s(db, "SELECT raw FROM messages WHERE id = ?1");
    s.bind(1, message);
    if (!s.step()) throw StoreError(Kind::not_found, "no message " + std::to_string(message));
    return s.blob(0);
}

std::optional<std::string> structure_of(sqlite::Database& db, MessageId message) {
    sqlite::Statement s(db, "SELECT structure FROM messages WHERE id = ?1");
    s.bind(1, message);
    if (!s.step() || s.is_null(0)) return std::nullopt;
    return s.blob(0);
}

}  // namespace

std::string MailStore::read_raw(MessageId message) const {
    Impl::Reader reader(*impl_);
    return raw_of(reader.db(), message);
}

std::optional<std::string> MailStore::read_structure(MessageId message) const {
    Impl::Reader reader(*impl_);
    return structure_of(reader.db(), message);
}

struct MailStore::Snapshot::State {
    explicit State(const Impl& impl) : reader(impl), transaction(reader.db(), sqlite::Transaction::Mode::read) {}
    Impl::Reader reader;
    sqlite::Transaction transaction;               // never committed: ends (read only) when the snapshot goes
    std::optional<sqlite::BlobReader> raw_reader;  // reused from message to message; closed first
};

MailStore::Snapshot::Snapshot(std::unique_ptr<State> state) : state_(std::move(state)) {}
MailStore::Snapshot::~Snapshot() = default;
MailStore::Snapshot::Snapshot(Snapshot&&) noexcept = default;
MailStore::Snapshot& MailStore::Snapshot::operator=(Snapshot&&) noexcept = default;

std::string MailStore::Snapshot::read_raw(MessageId message) const { return raw_of(state_->reader.db(), message); }

std::optional<std::string> MailStore::Snapshot::read_structure(MessageId message) const {
    return structure_of(state_->reader.db(), message);
}

std::string MailStore::Snapshot::read_raw_prefix(MessageId message, std::size_t max_bytes,
                                                 std::size_t& total_bytes) const {
    if (!state_->raw_reader) state_->raw_reader.emplace(state_->reader.db(), "messages", "raw");
    if (!state_->raw_reader->open(message)) throw StoreError(Kind::not_found, "no message " + std::to_string(message));
    total_bytes = state_->raw_reader->size();
    std::string prefix;
    state_->raw_reader->read(0, max_bytes, prefix);
    return prefix;
}

MailStore::Snapshot MailStore::snapshot() const { return Snapshot(std::make_unique<Snapshot::State>(*impl_)); }

void MailStore::save_structure(MessageId message, std::string_view structure) {
    Impl::Writer writer(*impl_);
    sqlite::Statement s(writer.db(), "UPDATE messages SET structure = ?2 WHERE id = ?1");
    s.bind(1, message).bind_blob(2, structure).run();
}

void MailStore::set_flags(MailboxId mailbox, Uid uid, std::uint32_t flags) {
    Uid uids[] = {uid};
    if (change_flags(mailbox, uids, FlagChange::replace, flags, {}).empty()) {
        throw StoreError(Kind::not_found, "no message with UID " + std::to_string(uid));
    }
}

std::vector<MessageInfo> MailStore::change_flags(MailboxId mailbox, std::span<const Uid> uids, FlagChange change,
                                                 std::uint32_t flags, const std::vector<std::string>& keywords,
                                                 ModseqStep* step) {
    flags &= system_flags_mask;
    std::vector<MessageInfo> result;
    impl_->group_commit.run([&](sqlite::Database& db) {
        const std::uint64_t before = step ? detail::mailbox_modseq(db, mailbox) : 0;
        sqlite::Statement read(db, std::string(entry_columns) + "WHERE e.mailbox_id = ?1 AND e.uid = ?2");
        sqlite::Statement write(db,
                                "UPDATE mailbox_messages SET flags = ?3, keywords = ?4, modseq = ?5"
                                " WHERE mailbox_id = ?1 AND uid = ?2");
        std::optional<std::uint64_t> modseq;
        for (Uid uid : uids) {
            read.reset();
            read.bind(1, mailbox).bind(2, static_cast<std::int64_t>(uid));
            if (!read.step()) continue;
            MessageInfo info = entry_from_row(read);
            std::uint32_t new_flags = change == FlagChange::replace ? flags
                                      : change == FlagChange::add   ? (info.flags | flags)
                                                                    : (info.flags & ~flags);
            auto new_keywords = combine_keywords(info.keywords, keywords, change);
            if (new_flags != info.flags || new_keywords != info.keywords) {
                if (!modseq) modseq = detail::next_modseq(db);
                write.reset();
                write.bind(1, mailbox).bind(2, static_cast<std::int64_t>(uid)).bind(3, new_flags);
                write.bind(4, detail::join_keywords(new_keywords)).bind(5, static_cast<std::int64_t>(*modseq)).run();
                info.flags = new_flags;
                info.keywords = std::move(new_keywords);
                info.modseq = *modseq;
            }
            result.push_back(std::move(info));
        }
        if (modseq) detail::touch_mailbox(db, mailbox, *modseq);
        if (step) *step = {before, modseq.value_or(before)};
    });  // shares a transaction (and its fsync) with writes made meanwhile
    return result;
}

std::vector<UidPair> MailStore::copy_messages(MailboxId source, std::span<const Uid> uids, MailboxId destination,
                                              bool move) {
    std::set<Uid> wanted(uids.begin(), uids.end());
    std::vector<UidPair> pairs;
    impl_->group_commit.run([&](sqlite::Database& db) {
        sqlite::Statement read(db, std::string(entry_columns) + "WHERE e.mailbox_id = ?1 AND e.uid = ?2");
        std::vector<MessageInfo> found;
        for (Uid uid : wanted) {
            read.reset();
            read.bind(1, source).bind(2, static_cast<std::int64_t>(uid));
            if (read.step()) found.push_back(entry_from_row(read));
        }
        if (found.empty()) return;
        std::uint64_t modseq = detail::next_modseq(db);
        Uid next = detail::reserve_uids(db, destination, static_cast<std::uint32_t>(found.size()));
        sqlite::Statement remove(db, "DELETE FROM mailbox_messages WHERE mailbox_id = ?1 AND uid = ?2");
        for (const auto& info : found) {
            insert_entry(db, destination, next, info.message_id, static_cast<std::int64_t>(info.size), info.flags,
                         detail::join_keywords(info.keywords), info.internal_date, info.internal_date_offset, modseq);
            pairs.push_back(UidPair{info.uid, next++});
            if (move) {
                remove.reset();
                remove.bind(1, source).bind(2, static_cast<std::int64_t>(info.uid)).run();
            }
        }
        detail::touch_mailbox(db, destination, modseq);
        if (move) {
            std::vector<Uid> moved;
            for (const auto& info : found) moved.push_back(info.uid);
            detail::remember_expunged(db, source, modseq, moved);
            detail::touch_mailbox(db, source, modseq);
        }
    });  // shares a transaction (and its fsync) with writes made meanwhile
    return pairs;
}

std::vector<Uid> MailStore::expunge(MailboxId mailbox, std::optional<std::span<const Uid>> only, ModseqStep* step) {
    std::vector<Uid> removed;
    impl_->group_commit.run([&](sqlite::Database& db) {
        const std::uint64_t before = step ? detail::mailbox_modseq(db, mailbox) : 0;
        if (step) *step = {before, before};
        if (only) {  // UID EXPUNGE: look up the UIDs given, rather than scan the mailbox
            std::set<Uid> allowed(only->begin(), only->end());
            sqlite::Statement flags_of(db, "SELECT flags FROM mailbox_messages WHERE mailbox_id = ?1 AND uid = ?2");
            for (Uid uid : allowed) {
                flags_of.reset();
                flags_of.bind(1, mailbox).bind(2, static_cast<std::int64_t>(uid));
                if (flags_of.step() && (flags_of.int64(0) & flag_deleted)) removed.push_back(uid);
            }
        } else {
            sqlite::Statement deleted(db,
                                      "SELECT uid FROM mailbox_messages WHERE mailbox_id = ?1 AND (flags & ?2) != 0"
                                      " ORDER BY uid");
            deleted.bind(1, mailbox).bind(2, static_cast<std::int64_t>(flag_deleted));
            while (deleted.step()) removed.push_back(static_cast<Uid>(deleted.int64(0)));
        }
        if (!removed.empty()) {
            sqlite::Statement remove(db, "DELETE FROM mailbox_messages WHERE mailbox_id = ?1 AND uid = ?2");
            for (Uid uid : removed) {
                remove.reset();
                remove.bind(1, mailbox).bind(2, static_cast<std::int64_t>(uid)).run();
            }
            std::uint64_t modseq = detail::next_modseq(db);
            detail::remember_expunged(db, mailbox, modseq, removed);
            detail::touch_mailbox(db, mailbox, modseq);
            if (step) step->after = modseq;
        }
    });  // shares a transaction (and its fsync) with writes made meanwhile
    return removed;
}

}  // namespace store
