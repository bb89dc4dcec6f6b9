// MailStore's private parts, shared by the files that implement it (users, mailboxes, messages).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "store/group_commit.hpp"
#include "store/listing_cache.hpp"
#include "store/mail_store.hpp"
#include "store/password_cache.hpp"
#include "store/sqlite.hpp"

namespace store {

struct MailStore::Impl {
    std::filesystem::path path;
    OpenOptions options;
    /// Successful password checks, so repeated logins skip the slow hash (see password_cache.hpp).
    std::unique_ptr<PasswordCache> password_cache;
    /// Listings of large mailboxes between SELECTs (see listing_cache.hpp); null when disabled.
    std::unique_ptr<ListingCache> listing_cache;

    std::mutex write_mutex;
    std::unique_ptr<sqlite::Database> writer;  // guarded by write_mutex

    /// Log frames from which a commit calls for a checkpoint (SQLite's wal_autocheckpoint default).
    static constexpr int checkpoint_frames = 1000;
    /// After a group commit, the checkpoint is left to the group commit's upkeep, so the callers
    /// whose commit crossed the mark need not wait for it; other writes checkpoint as they commit.
    bool in_group_commit = false;  // guarded by write_mutex
    std::atomic<bool> checkpoint_due{false};
    /// The write connection's hook after each commit (sqlite3_wal_hook).
    static int after_commit(void* impl, sqlite3* db, const char* database, int log_frames);
    /// Copies what the log holds into the store file, as far as readers allow (PASSIVE).
    void checkpoint();

    /// Deliveries and appends arriving together share one transaction and one fsync.
    static constexpr std::size_t max_group_commit = 256;
    GroupCommit group_commit{[this](const auto& batch) { run_write_transaction(batch); }, max_group_commit,
                             GroupCommit::start_std_thread,
                             GroupCommit::Upkeep{[this] { return checkpoint_due.load(); }, [this] { checkpoint(); }}};
    /// Locks the write connection, runs batch in a write transaction and commits it.
    void run_write_transaction(const std::function<void(sqlite::Database&)>& batch);

    /// At most this many read connections exist; a reader beyond them waits for one to come back.
    /// Bounds memory (each has a page cache) and descriptors however many sessions read at once.
    static constexpr std::size_t max_readers = 16;
    mutable std::mutex pool_mutex;
    mutable std::condition_variable reader_returned;
    mutable std::vector<std::unique_ptr<sqlite::Database>> idle_readers;  // guarded by pool_mutex
    mutable std::size_t open_readers = 0;                                 // guarded by pool_mutex

    /// A connection configured for this store (busy timeout, foreign keys, synchronous=FULL).
    std::unique_ptr<sqlite::Database> connect(bool create) const;

    /// A read connection borrowed from the pool for one call, returned when it goes out of scope.
    class Reader {
    public:
        explicit Reader(const Impl& impl);
        ~Reader();
        Reader(const Reader&) = delete;
        Reader& operator=(const Reader&) = delete;
        sqlite::Database& db() { return *db_; }

    private:
        const Impl& impl_;
        std::unique_ptr<sqlite::Database> db_;
    };

    /// The write connection, locked for one write transaction.
    class Writer {
    public:
        explicit Writer(Impl& impl) : lock_(impl.write_mutex), db_(*impl.writer) {}
        sqlite::Database& db() { return db_; }

    private:
        std::lock_guard<std::mutex> lock_;
        sqlite::Database& db_;
    };
};

namespace detail {

/// Takes the next value of the global change counter (inside a write transaction).
std::uint64_t next_modseq(sqlite::Database& db);
/// The mailbox's highest_modseq (0 if it does not exist).
std::uint64_t mailbox_modseq(sqlite::Database& db, MailboxId mailbox);
/// Marks a mailbox changed at modseq.
void touch_mailbox(sqlite::Database& db, MailboxId mailbox, std::uint64_t modseq);
/// How many modseqs back expunged entries are remembered (see schema step 3 -> 4).
inline constexpr std::uint64_t expunge_memory_modseqs = 1000000;
/// Remembers that uids left mailbox at modseq, and forgets what is older than the window.
void remember_expunged(sqlite::Database& db, MailboxId mailbox, std::uint64_t modseq, std::span<const Uid> uids);
/// A new UIDVALIDITY: grows across every mailbox ever created in this store.
std::uint32_t next_uidvalidity(sqlite::Database& db);
/// Reserves count UIDs in a mailbox; returns the first. Throws invalid past 2^31-1.
Uid reserve_uids(sqlite::Database& db, MailboxId mailbox, std::uint32_t count);
std::optional<MailboxId> mailbox_id(sqlite::Database& db, UserId user, std::string_view name);
/// "INBOX" in any case becomes "INBOX"; other names are returned as given.
std::string canonical_mailbox_name(std::string_view name);
/// Throws invalid for names IMAP cannot carry (empty parts, control characters, wildcards).
void check_mailbox_name(std::string_view name);
/// Keywords as stored: space-separated.
std::vector<std::string> split_keywords(std::string_view stored);
std::string join_keywords(const std::vector<std::string>& keywords);

}  // namespace detail
}  // namespace store
