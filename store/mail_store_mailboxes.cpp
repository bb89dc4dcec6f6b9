// MailStore: mailboxes, their hierarchy, subscriptions and \Recent bookkeeping.
#include <algorithm>

#include "store/mail_store.hpp"
#include "store/mail_store_impl.hpp"

namespace store {

using Kind = StoreError::Kind;

namespace {

/// A mailbox row without its message counts (they read an index range each).
constexpr const char* uncounted_mailbox_columns =
    "SELECT m.id, m.name, m.uidvalidity, m.uidnext, m.special_use, m.highest_modseq, 0, 0, 0,"
    " EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = m.user_id AND s.name = m.name)"
    " FROM mailboxes m ";

constexpr const char* mailbox_columns =
    "SELECT m.id, m.name, m.uidvalidity, m.uidnext, m.special_use, m.highest_modseq,"
    " m.message_count, m.unseen_count,"
    " (SELECT count(*) FROM mailbox_messages e WHERE e.mailbox_id = m.id AND e.uid >= m.first_recent_uid),"
    " EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = m.user_id AND s.name = m.name)"
    " FROM mailboxes m ";

MailboxInfo mailbox_from_row(const sqlite::Statement& s) {
    MailboxInfo info;
    info.id = s.int64(0);
    info.name = s.text(1);
    info.uidvalidity = static_cast<std::uint32_t>(s.int64(2));
    info.uidnext = static_cast<Uid>(s.int64(3));
    info.special_use = s.text(4);
    info.highest_modseq = static_cast<std::uint64_t>(s.int64(5));
    info.message_count = static_cast<std::uint32_t>(s.int64(6));
    info.unseen_count = static_cast<std::uint32_t>(s.int64(7));
    info.recent_count = static_cast<std::uint32_t>(s.int64(8));
    info.subscribed = s.int64(9) != 0;
    return info;
}

/// Creates one mailbox row (the name must be free).
MailboxId insert_mailbox(sqlite::Database& db, UserId user, std::string_view name, std::string_view special_use) {
    sqlite::Statement s(db, "INSERT INTO mailboxes (user_id, name, uidvalidity, special_use) VALUES (?1, ?2, ?3, ?4)");
    s.bind(1, user).bind(2, name).bind(3, detail::next_uidvalidity(db)).bind(4, special_use).run();
    return db.last_insert_rowid();
}

/// Creates every missing parent of name ("a/b/c" → "a", "a/b").
void create_parents(sqlite::Database& db, UserId user, std::string_view name) {
    for (std::size_t slash = name.find('/'); slash != std::string_view::npos; slash = name.find('/', slash + 1)) {
        std::string_view parent = name.substr(0, slash);
        if (!detail::mailbox_id(db, user, parent)) insert_mailbox(db, user, parent, "");
    }
}

bool user_exists(sqlite::Database& db, UserId user) {
    sqlite::Statement s(db, "SELECT 1 FROM users WHERE id = ?1");
    s.bind(1, user);
    return s.step();
}

}  // namespace

std::vector<MailboxInfo> MailStore::list_mailboxes(UserId user) const {
    Impl::Reader reader(*impl_);
    sqlite::Statement s(reader.db(),
                        std::string(mailbox_columns) + "WHERE m.user_id = ?1 ORDER BY m.name = 'INBOX' DESC, m.name");
    s.bind(1, user);
    std::vector<MailboxInfo> mailboxes;
    while (s.step()) mailboxes.push_back(mailbox_from_row(s));
    return mailboxes;
}

std::optional<MailboxInfo> MailStore::find_mailbox(UserId user, std::string_view name, MailboxCounts counts) const {
    Impl::Reader reader(*impl_);
    sqlite::Statement s(reader.db(),
                        std::string(counts == MailboxCounts::included ? mailbox_columns : uncounted_mailbox_columns) +
                            "WHERE m.user_id = ?1 AND m.name = ?2");
    s.bind(1, user).bind(2, detail::canonical_mailbox_name(name));
    if (!s.step()) return std::nullopt;
    return mailbox_from_row(s);
}

MailboxId MailStore::create_mailbox(UserId user, std::string_view name, std::string_view special_use) {
    detail::check_mailbox_name(name);
    std::string canonical = detail::canonical_mailbox_name(name);
    Impl::Writer writer(*impl_);
    auto& db = writer.db();
    sqlite::Transaction transaction(db, sqlite::Transaction::Mode::write);
    if (!user_exists(db, user)) throw StoreError(Kind::not_found, "no such user");
    if (detail::mailbox_id(db, user, canonical)) {
        throw StoreError(Kind::already_exists, "mailbox " + canonical + " already exists");
    }
    create_parents(db, user, canonical);
    MailboxId id = insert_mailbox(db, user, canonical, special_use);
    transaction.commit();
    return id;
}

void MailStore::delete_mailbox(UserId user, std::string_view name) {
    std::string canonical = detail::canonical_mailbox_name(name);
    if (canonical == "INBOX") throw StoreError(Kind::invalid, "INBOX cannot be deleted");
    Impl::Writer writer(*impl_);
    auto& db = writer.db();
    sqlite::Transaction transaction(db, sqlite::Transaction::Mode::write);
    auto id = detail::mailbox_id(db, user, canonical);
    if (!id) throw StoreError(Kind::not_found, "no such mailbox " + canonical);
    sqlite::Statement children(db, "SELECT 1 FROM mailboxes WHERE user_id = ?1 AND substr(name, 1, ?3) = ?2 LIMIT 1");
    children.bind(1, user).bind(2, canonical + "/").bind(3, static_cast<std::int64_t>(canonical.size() + 1));
    if (children.step()) throw StoreError(Kind::has_children, "mailbox " + canonical + " has inferior mailboxes");
    detail::next_modseq(db);  // wakes sessions that have it selected
    sqlite::Statement s(db, "DELETE FROM mailboxes WHERE id = ?1");
    s.bind(1, *id).run();
    transaction.commit();
}

void MailStore::rename_mailbox(UserId user, std::string_view from_name, std::string_view to_name) {
    detail::check_mailbox_name(to_name);
    std::string from = detail::canonical_mailbox_name(from_name);
    std::string to = detail::canonical_mailbox_name(to_name);
    if (to == "INBOX") throw StoreError(Kind::already_exists, "mailbox INBOX already exists");
    if (to.rfind(from + "/", 0) == 0) throw StoreError(Kind::invalid, "cannot move a mailbox into itself");
    Impl::Writer writer(*impl_);
    auto& db = writer.db();
    sqlite::Transaction transaction(db, sqlite::Transaction::Mode::write);
    auto from_id = detail::mailbox_id(db, user, from);
    if (!from_id) throw StoreError(Kind::not_found, "no such mailbox " + from);
    if (detail::mailbox_id(db, user, to)) throw StoreError(Kind::already_exists, "mailbox " + to + " already exists");
    create_parents(db, user, to);
    std::uint64_t modseq = detail::next_modseq(db);

    if (from == "INBOX") {
        // RFC 3501 §6.3.5: INBOX's messages move to the new mailbox; INBOX stays, empty.
        MailboxId to_id = insert_mailbox(db, user, to, "");
        sqlite::Statement count(db, "SELECT count(*) FROM mailbox_messages WHERE mailbox_id = ?1");
        count.bind(1, *from_id);
        count.step();
        auto n = static_cast<std::uint32_t>(count.int64(0));
        if (n > 0) {
            Uid first = detail::reserve_uids(db, to_id, n);
            sqlite::Statement copy(db,
                                   "INSERT INTO mailbox_messages (mailbox_id, uid, message_id, flags, keywords,"
                                   " internal_date, date_offset, modseq, size)"
                                   " SELECT ?2, ?3 - 1 + row_number() OVER (ORDER BY uid), message_id, flags, keywords,"
                                   " internal_date, date_offset, ?4, size FROM mailbox_messages WHERE mailbox_id = ?1");
            copy.bind(1, *from_id).bind(2, to_id).bind(3, static_cast<std::int64_t>(first));
            copy.bind(4, static_cast<std::int64_t>(modseq)).run();
            sqlite::Statement clear(db, "DELETE FROM mailbox_messages WHERE mailbox_id = ?1");
            clear.bind(1, *from_id).run();
        }
        detail::touch_mailbox(db, *from_id, modseq);
        detail::touch_mailbox(db, to_id, modseq);
    } else {
        // The mailbox and all its inferiors; a new name must not collide with an existing one.
        sqlite::Statement collisions(db,
                                     "SELECT 1 FROM mailboxes a JOIN mailboxes b ON b.user_id = a.user_id"
                                     " AND b.name = ?3 || substr(a.name, ?4)"
                                     " WHERE a.user_id = ?1 AND substr(a.name, 1, ?4 - 1) = ?2 LIMIT 1");
        collisions.bind(1, user).bind(2, from + "/").bind(3, to + "/");
        collisions.bind(4, static_cast<std::int64_t>(from.size() + 2));
        if (collisions.step()) throw StoreError(Kind::already_exists, "an inferior of " + to + " already exists");
        for (const char* table : {"mailboxes", "subscriptions"}) {
            sqlite::Statement rename(db, std::string("UPDATE ") + table +
                                             " SET name = ?3 || substr(name, ?4) WHERE user_id = ?1 AND"
                                             " (name = ?2 OR substr(name, 1, ?4) = ?2 || '/')");
            rename.bind(1, user).bind(2, from).bind(3, to).bind(4, static_cast<std::int64_t>(from.size() + 1));
            rename.run();
        }
        sqlite::Statement touch(db,
                                "UPDATE mailboxes SET highest_modseq = ?3 WHERE user_id = ?1 AND"
                                " (name = ?2 OR substr(name, 1, length(?2) + 1) = ?2 || '/')");
        touch.bind(1, user).bind(2, to).bind(3, static_cast<std::int64_t>(modseq)).run();
    }
    transaction.commit();
}

void MailStore::subscribe(UserId user, std::string_view name) {
    Impl::Writer writer(*impl_);
    auto& db = writer.db();
    sqlite::Statement s(db, "INSERT OR IGNORE INTO subscriptions (user_id, name) VALUES (?1, ?2)");
    s.bind(1, user).bind(2, detail::canonical_mailbox_name(name)).run();
}

void MailStore::unsubscribe(UserId user, std::string_view name) {
    Impl::Writer writer(*impl_);
    auto& db = writer.db();
    sqlite::Statement s(db, "DELETE FROM subscriptions WHERE user_id = ?1 AND name = ?2");
    s.bind(1, user).bind(2, detail::canonical_mailbox_name(name)).run();
}

std::vector<std::string> MailStore::subscriptions(UserId user) const {
    Impl::Reader reader(*impl_);
    sqlite::Statement s(reader.db(), "SELECT name FROM subscriptions WHERE user_id = ?1 ORDER BY name");
    s.bind(1, user);
    std::vector<std::string> names;
    while (s.step()) names.push_back(s.text(0));
    return names;
}

Uid MailStore::claim_recent(MailboxId mailbox) {
    Uid first = 0;
    impl_->group_commit.run([&](sqlite::Database& db) {
        sqlite::Statement s(db, "SELECT first_recent_uid, uidnext FROM mailboxes WHERE id = ?1");
        s.bind(1, mailbox);
        if (!s.step()) throw StoreError(Kind::not_found, "no such mailbox");
        first = static_cast<Uid>(s.int64(0));
        if (s.int64(1) != s.int64(0)) {
            sqlite::Statement claim(db, "UPDATE mailboxes SET first_recent_uid = uidnext WHERE id = ?1");
            claim.bind(1, mailbox).run();
        }
    });  // shares a transaction (and its fsync) with writes made meanwhile
    return first;
}

}  // namespace store
