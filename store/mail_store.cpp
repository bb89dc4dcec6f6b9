// MailStore: opening, the connection pool, users and change notification.
#include "store/mail_store.hpp"

#include <algorithm>
#include <ctime>

#include "store/mail_store_impl.hpp"
#include "store/password_hash.hpp"
#include "store/schema.hpp"
#include "store/wal_write_buffer.hpp"

namespace store {

using Kind = StoreError::Kind;

namespace {

/// Address rules: local@domain, no blanks or controls, local part up to 64 octets, whole address
/// up to 254 (RFC 5321 §4.5.3.1). The domain is stored lower-cased.
std::string canonical_address(std::string_view address) {
    auto at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
        throw StoreError(Kind::invalid, "'" + std::string(address) + "' is not an address of the form user@domain");
    }
    if (at > 64 || address.size() > 254) {
        throw StoreError(Kind::invalid, "address '" + std::string(address) + "' is too long");
    }
    for (char ch : address) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= ' ' || c == 0x7f || ch == '<' || ch == '>' || ch == ',' || ch == ';') {
            throw StoreError(Kind::invalid, "address '" + std::string(address) +
                                                "' contains a space, control "
                                                "character or one of <>,;");
        }
    }
    std::string canonical(address);
    for (std::size_t i = at + 1; i < canonical.size(); ++i) {
        if (canonical[i] >= 'A' && canonical[i] <= 'Z') canonical[i] = static_cast<char>(canonical[i] - 'A' + 'a');
    }
    return canonical;
}

std::optional<std::pair<UserId, std::string>> user_row(sqlite::Database& db, std::string_view address) {
    sqlite::Statement s(db, "SELECT id, password_hash FROM users WHERE address = ?1");
    s.bind(1, address);
    if (!s.step()) return std::nullopt;
    return std::make_pair(s.int64(0), s.text(1));
}

}  // namespace

// --- opening and connections ---------------------------------------------------------------------

std::unique_ptr<sqlite::Database> MailStore::Impl::connect(bool create) const {
    // Each commit's log writes go out in one write(2) (see wal_write_buffer.hpp), which needs the
    // log synced at every commit: synchronous=FULL, set before anything is written.
    auto db = std::make_unique<sqlite::Database>(path, create, sqlite::wal_write_buffer_vfs());
    sqlite3_busy_timeout(db->get(), static_cast<int>(options.busy_timeout.count()));
    db->exec("PRAGMA synchronous = FULL");
    db->exec("PRAGMA foreign_keys = ON");
    // Reads map the file instead of copying pages into each connection's cache: one copy in the
    // OS page cache, shared by every connection and both daemons. (Writes still use write(2).)
    db->exec("PRAGMA mmap_size = " + std::to_string(options.mmap_bytes));
    return db;
}

void MailStore::Impl::run_write_transaction(const std::function<void(sqlite::Database&)>& batch) {
    Writer writer(*this);
    sqlite::Transaction transaction(writer.db(), sqlite::Transaction::Mode::write);
    batch(writer.db());
    struct CommitMark {  // tells after_commit() whose commit it follows
        bool& mark;
        explicit CommitMark(bool& m) : mark(m) { mark = true; }
        ~CommitMark() { mark = false; }
    } group_commit_under_way(in_group_commit);
    transaction.commit();  // synchronous=FULL: on disk when this returns
}

int MailStore::Impl::after_commit(void* impl, sqlite3* db, const char* database, int log_frames) {
    auto& self = *static_cast<Impl*>(impl);
    if (log_frames < checkpoint_frames) return SQLITE_OK;
    if (self.in_group_commit) {
        self.checkpoint_due = true;
    } else {
        sqlite3_wal_checkpoint(db, database);  // what SQLite's automatic checkpoint does
    }
    return SQLITE_OK;
}

void MailStore::Impl::checkpoint() {
    Writer writer(*this);
    checkpoint_due = false;
    // A PASSIVE checkpoint waits for nobody; what readers still use is copied next time. Its
    // result changes nothing for the caller: the log stays valid whatever it managed to copy.
    sqlite3_wal_checkpoint_v2(writer.db().get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

MailStore::Impl::Reader::Reader(const Impl& impl) : impl_(impl) {
    std::unique_lock lock(impl_.pool_mutex);
    impl_.reader_returned.wait(lock,
                               [this] { return !impl_.idle_readers.empty() || impl_.open_readers < max_readers; });
    if (!impl_.idle_readers.empty()) {
        db_ = std::move(impl_.idle_readers.back());
        impl_.idle_readers.pop_back();
        return;
    }
    ++impl_.open_readers;  // reserve the slot, then open without holding the lock
    lock.unlock();
    try {
        db_ = impl_.connect(false);
    } catch (...) {
        std::lock_guard relock(impl_.pool_mutex);
        --impl_.open_readers;
        impl_.reader_returned.notify_one();
        throw;
    }
}

MailStore::Impl::Reader::~Reader() {
    {
        std::lock_guard lock(impl_.pool_mutex);
        impl_.idle_readers.push_back(std::move(db_));
    }
    impl_.reader_returned.notify_one();
}

MailStore::MailStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MailStore::~MailStore() = default;

int MailStore::schema_version() { return schema::current_version; }
const std::filesystem::path& MailStore::path() const { return impl_->path; }

std::unique_ptr<MailStore> MailStore::open(const std::filesystem::path& path, const OpenOptions& options) {
    std::error_code ec;
    if (!options.create_if_missing && !std::filesystem::exists(path, ec)) {
        throw StoreError(
            Kind::not_found,
            "store " + path.string() + " does not exist; create it with: mailctl --store " + path.string() + " init");
    }
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->options = options;
    impl->password_cache = std::make_unique<PasswordCache>(options.password_cache_ttl, 10000);
    if (options.listing_cache_messages > 0) {
        impl->listing_cache =
            std::make_unique<ListingCache>(options.listing_cache_messages, options.listing_cache_min_messages);
    }
    try {
        impl->writer = impl->connect(options.create_if_missing);
        impl->writer->exec("PRAGMA journal_mode = WAL");
        sqlite3_wal_hook(impl->writer->get(), &Impl::after_commit, impl.get());  // replaces automatic checkpoints
        schema::migrate(*impl->writer, path.string());
    } catch (const StoreError& e) {
        if (e.kind() == Kind::corrupt &&
            std::string_view(e.what()).find("not a maild store") == std::string_view::npos) {
            throw StoreError(Kind::corrupt, "store " + path.string() + " is not a maild store or is damaged (" +
                                                e.what() + "); check the --store path");
        }
        throw;
    }
    return std::unique_ptr<MailStore>(new MailStore(std::move(impl)));
}

bool MailStore::integrity_ok() const {
    Impl::Reader reader(*impl_);
    sqlite::Statement s(reader.db(), "PRAGMA integrity_check");
    return s.step() && s.text(0) == "ok";
}

// --- users -------------------------------------------------------------------------------------

UserId MailStore::add_user(std::string_view address, std::string_view password) {
    std::string canonical = canonical_address(address);
    std::string hash = password.empty() ? std::string() : hash_password(password);  // slow: outside the lock
    Impl::Writer writer(*impl_);
    auto& db = writer.db();
    sqlite::Transaction transaction(db, sqlite::Transaction::Mode::write);
    if (user_row(db, canonical)) throw StoreError(Kind::already_exists, "user " + canonical + " already exists");
    sqlite::Statement insert(db, "INSERT INTO users (address, password_hash, created) VALUES (?1, ?2, ?3)");
    insert.bind(1, canonical).bind(2, hash).bind(3, static_cast<std::int64_t>(std::time(nullptr))).run();
    UserId user = db.last_insert_rowid();
    auto create = [&](std::string_view name, std::string_view use) {
        sqlite::Statement s(db,
                            "INSERT INTO mailboxes (user_id, name, uidvalidity, special_use) VALUES (?1, ?2, ?3, ?4)");
        s.bind(1, user).bind(2, name).bind(3, detail::next_uidvalidity(db)).bind(4, use).run();
        sqlite::Statement sub(db, "INSERT OR IGNORE INTO subscriptions (user_id, name) VALUES (?1, ?2)");
        sub.bind(1, user).bind(2, name).run();
    };
    create("INBOX", "");
    for (const auto& special : special_mailboxes) create(special.name, special.special_use);
    transaction.commit();
    return user;
}

void MailStore::delete_user(std::string_view address) {
    Impl::Writer writer(*impl_);
    auto& db = writer.db();
    sqlite::Transaction transaction(db, sqlite::Transaction::Mode::write);
    sqlite::Statement s(db, "DELETE FROM users WHERE address = ?1");
    s.bind(1, address).run();
    if (db.changes() == 0) throw StoreError(Kind::not_found, "no such user " + std::string(address));
    transaction.commit();
}

void MailStore::set_password(std::string_view address, std::string_view password) {
    if (password.empty()) throw StoreError(Kind::invalid, "empty password");
    std::string hash = hash_password(password);
    Impl::Writer writer(*impl_);
    auto& db = writer.db();
    sqlite::Transaction transaction(db, sqlite::Transaction::Mode::write);
    sqlite::Statement s(db, "UPDATE users SET password_hash = ?2 WHERE address = ?1");
    s.bind(1, address).bind(2, hash).run();
    if (db.changes() == 0) throw StoreError(Kind::not_found, "no such user " + std::string(address));
    transaction.commit();
}

std::vector<UserInfo> MailStore::list_users() const {
    Impl::Reader reader(*impl_);
    sqlite::Statement s(reader.db(), "SELECT id, address, password_hash != '' FROM users ORDER BY address");
    std::vector<UserInfo> users;
    while (s.step()) users.push_back(UserInfo{s.int64(0), s.text(1), s.int64(2) != 0});
    return users;
}

std::optional<UserInfo> MailStore::find_user(std::string_view address) const {
    Impl::Reader reader(*impl_);
    sqlite::Statement s(reader.db(), "SELECT id, address, password_hash != '' FROM users WHERE address = ?1");
    s.bind(1, address);
    if (!s.step()) return std::nullopt;
    return UserInfo{s.int64(0), s.text(1), s.int64(2) != 0};
}

bool MailStore::verify_password(std::string_view address, std::string_view password) const {
    std::string hash;
    {
        Impl::Reader reader(*impl_);
        if (auto row = user_row(reader.db(), address)) hash = row->second;
    }
    // An unknown user or an account without a password costs one hash too (check_password).
    return impl_->password_cache->check(address, password, hash, [&] { return check_password(password, hash); });
}

// --- change notification -------------------------------------------------------------------------

std::uint64_t MailStore::change_counter() const {
    Impl::Reader reader(*impl_);
    sqlite::Statement s(reader.db(), "SELECT value FROM meta WHERE key = 'modseq'");
    return s.step() ? static_cast<std::uint64_t>(s.int64(0)) : 0;
}

std::optional<std::uint64_t> MailStore::mailbox_modseq(MailboxId mailbox) const {
    Impl::Reader reader(*impl_);
    sqlite::Statement s(reader.db(), "SELECT highest_modseq FROM mailboxes WHERE id = ?1");
    s.bind(1, mailbox);
    if (!s.step()) return std::nullopt;
    return static_cast<std::uint64_t>(s.int64(0));
}

std::vector<MailboxId> MailStore::mailboxes_changed_since(std::uint64_t counter) const {
    Impl::Reader reader(*impl_);
    sqlite::Statement s(reader.db(), "SELECT id FROM mailboxes WHERE highest_modseq > ?1");
    s.bind(1, static_cast<std::int64_t>(counter));
    std::vector<MailboxId> ids;
    while (s.step()) ids.push_back(s.int64(0));
    return ids;
}

// --- shared helpers ------------------------------------------------------------------------------

namespace detail {

std::uint64_t next_modseq(sqlite::Database& db) {
    sqlite::Statement s(db, "UPDATE meta SET value = value + 1 WHERE key = 'modseq' RETURNING value");
    if (!s.step()) throw StoreError(Kind::corrupt, "store metadata (modseq) is missing");
    return static_cast<std::uint64_t>(s.int64(0));
}

std::uint64_t mailbox_modseq(sqlite::Database& db, MailboxId mailbox) {
    sqlite::Statement s(db, "SELECT highest_modseq FROM mailboxes WHERE id = ?1");
    s.bind(1, mailbox);
    return s.step() ? static_cast<std::uint64_t>(s.int64(0)) : 0;
}

void touch_mailbox(sqlite::Database& db, MailboxId mailbox, std::uint64_t modseq) {
    sqlite::Statement s(db, "UPDATE mailboxes SET highest_modseq = ?2 WHERE id = ?1");
    s.bind(1, mailbox).bind(2, static_cast<std::int64_t>(modseq)).run();
}

void remember_expunged(sqlite::Database& db, MailboxId mailbox, std::uint64_t modseq, std::span<const Uid> uids) {
    if (uids.empty()) return;
    sqlite::Statement insert(db,
                             "INSERT OR IGNORE INTO expunged_entries (mailbox_id, modseq, uid) VALUES (?1, ?2, ?3)");
    for (Uid uid : uids) {
        insert.reset();
        insert.bind(1, mailbox).bind(2, static_cast<std::int64_t>(modseq)).bind(3, static_cast<std::int64_t>(uid));
        insert.run();
    }
    if (modseq > expunge_memory_modseqs) {
        sqlite::Statement forget(db, "DELETE FROM expunged_entries WHERE mailbox_id = ?1 AND modseq < ?2");
        forget.bind(1, mailbox).bind(2, static_cast<std::int64_t>(modseq - expunge_memory_modseqs)).run();
    }
}

std::uint32_t next_uidvalidity(sqlite::Database& db) {
    // Time-based, so a store re-created from scratch does not repeat UIDVALIDITY values that
    // clients cached; strictly increasing within a store.
    sqlite::Statement s(db, "UPDATE meta SET value = max(value + 1, ?1) WHERE key = 'uidvalidity' RETURNING value");
    s.bind(1, static_cast<std::int64_t>(std::time(nullptr)));
    if (!s.step()) throw StoreError(Kind::corrupt, "store metadata (uidvalidity) is missing");
    return static_cast<std::uint32_t>(s.int64(0));
}

Uid reserve_uids(sqlite::Database& db, MailboxId mailbox, std::uint32_t count) {
    sqlite::Statement s(db, "UPDATE mailboxes SET uidnext = uidnext + ?2 WHERE id = ?1 RETURNING uidnext - ?2");
    s.bind(1, mailbox).bind(2, static_cast<std::int64_t>(count));
    if (!s.step()) throw StoreError(Kind::not_found, "no such mailbox");
    std::int64_t first = s.int64(0);
    constexpr std::int64_t max_uid = 0x7fffffff;  // clients keep UIDs in signed 32-bit integers
    if (first + count - 1 > max_uid) throw StoreError(Kind::invalid, "mailbox has run out of UIDs");
    return static_cast<Uid>(first);
}

std::string canonical_mailbox_name(std::string_view name) {
    if (name.size() == 5) {
        std::string upper(name);
        for (char& c : upper)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (upper == "INBOX") return upper;
    }
    return std::string(name);
}

void check_mailbox_name(std::string_view name) {
    auto bad = [&](const std::string& why) {
        throw StoreError(Kind::invalid, "mailbox name '" + std::string(name.substr(0, 100)) + "' " + why);
    };
    if (name.empty()) bad("is empty");
    if (name.size() > 1000) bad("is too long");
    if (name.front() == '/' || name.back() == '/' || name.find("//") != std::string_view::npos) {
        bad("has an empty part");
    }
    for (char ch : name) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) bad("contains a control character");
        if (ch == '*' || ch == '%') bad("contains a LIST wildcard (* or %)");
    }
}

std::optional<MailboxId> mailbox_id(sqlite::Database& db, UserId user, std::string_view name) {
    sqlite::Statement s(db, "SELECT id FROM mailboxes WHERE user_id = ?1 AND name = ?2");
    s.bind(1, user).bind(2, canonical_mailbox_name(name));
    if (!s.step()) return std::nullopt;
    return s.int64(0);
}

std::vector<std::string> split_keywords(std::string_view stored) {
    std::vector<std::string> keywords;
    std::size_t start = 0;
    while (start < stored.size()) {
        std::size_t end = stored.find(' ', start);
        if (end == std::string_view::npos) end = stored.size();
        if (end > start) keywords.emplace_back(stored.substr(start, end - start));
        start = end + 1;
    }
    return keywords;
}

std::string join_keywords(const std::vector<std::string>& keywords) {
    std::string out;
    for (const auto& k : keywords) {
        if (!out.empty()) out += ' ';
        out += k;
    }
    return out;
}

}  // namespace detail
}  // namespace store
