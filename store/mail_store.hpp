// The mailbox store: users, mailboxes, messages, flags and UIDs in one SQLite file.
//
// This is the only API over the database; no SQL exists outside store/. A MailStore may be shared
// by every thread of a process (all members are thread-safe), and several processes (smtpd, imapd,
// mailctl) may open the same file at once: the file is in WAL mode with a busy timeout, writes go
// through one write connection per process guarded by a mutex, reads use a small pool of read
// connections. Every write is one transaction, committed with synchronous=FULL (fsync) before the
// call returns: a call that returned has its effect on disk, a call that threw left no trace.
//
// Errors: misuse by an administrator (unknown user, duplicate user, bad mailbox name) throws
// StoreError with a Kind saying which; I/O and SQLite failures throw StoreError with
// Kind::temporary (locked/busy, I/O error), Kind::no_space (disk full) or Kind::corrupt.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace store {

class StoreError : public std::runtime_error {
public:
    enum class Kind {
        not_found,       ///< the store file, a user, a mailbox or a message does not exist
        already_exists,  ///< a user or mailbox of that name exists
        invalid,         ///< a bad argument: malformed address, empty password, bad mailbox name
        temporary,       ///< locked past the busy timeout, I/O error: retry later
        no_space,        ///< the disk or the database is full
        corrupt,         ///< not a database, or damaged
        too_new,         ///< schema version newer than this binary understands
    };
    StoreError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    Kind kind() const { return kind_; }

private:
    Kind kind_;
};

using UserId = std::int64_t;
using MailboxId = std::int64_t;
using MessageId = std::int64_t;
using Uid = std::uint32_t;  // IMAP UIDs: 1 .. 2^31-1 (clients keep them in signed 32-bit ints)

/// IMAP system flags as a bit set; keywords are kept separately.
enum Flag : std::uint32_t {
    flag_seen = 1u << 0,
    flag_answered = 1u << 1,
    flag_flagged = 1u << 2,
    flag_deleted = 1u << 3,
    flag_draft = 1u << 4,
};

struct UserInfo {
    UserId id = 0;
    std::string address;  ///< canonical form: local part as given, domain lower-cased
    bool can_login = false;  ///< false when the account has no password (e.g. auto-created postmaster)
};

struct MailboxInfo {
    MailboxId id = 0;
    std::string name;  ///< "INBOX" or a '/'-separated path
    std::uint32_t uidvalidity = 0;
    Uid uidnext = 1;
    std::uint32_t message_count = 0;
    std::uint32_t unseen_count = 0;
};

struct MessageInfo {
    Uid uid = 0;
    MessageId message_id = 0;
    std::uint32_t flags = 0;  ///< bits of Flag
    std::vector<std::string> keywords;
    std::int64_t internal_date = 0;  ///< seconds since the Unix epoch
    std::uint64_t size = 0;          ///< octets of the stored message
};

/// One copy of a delivered message in one user's INBOX.
struct DeliveredCopy {
    UserId user = 0;
    MailboxId mailbox = 0;
    Uid uid = 0;
};

struct Delivery {
    MessageId message = 0;
    std::vector<DeliveredCopy> copies;
};

struct OpenOptions {
    bool create_if_missing = false;
    std::chrono::milliseconds busy_timeout{5000};
};

class MailStore {
public:
    /// Opens (and with create_if_missing, creates) the store, applying forward migrations.
    /// Throws StoreError: not_found when the file is missing, corrupt when it is not a store,
    /// too_new when its schema is newer than this binary's.
    static std::unique_ptr<MailStore> open(const std::filesystem::path& path, const OpenOptions& options);

    MailStore(const MailStore&) = delete;
    MailStore& operator=(const MailStore&) = delete;
    ~MailStore();

    /// The schema version this binary writes (PRAGMA user_version).
    static int schema_version();
    const std::filesystem::path& path() const;

    // --- users ---------------------------------------------------------------------------------
    /// Adds a user with INBOX. An empty password creates an account that cannot log in.
    /// Address must be local@domain; the domain is stored lower-cased. Throws already_exists,
    /// invalid.
    UserId add_user(std::string_view address, std::string_view password);
    /// Removes the user with every mailbox and message. Throws not_found.
    void delete_user(std::string_view address);
    /// Throws not_found, invalid (empty password).
    void set_password(std::string_view address, std::string_view password);
    std::vector<UserInfo> list_users() const;
    /// Case-insensitive on the whole address (as every mail server in practice treats it).
    std::optional<UserInfo> find_user(std::string_view address) const;
    /// True when the user exists, has a password, and it matches (checked against the salted
    /// yescrypt hash; comparison in constant time). Unknown users cost the same time as known ones.
    bool verify_password(std::string_view address, std::string_view password) const;

    // --- mailboxes -----------------------------------------------------------------------------
    std::vector<MailboxInfo> list_mailboxes(UserId user) const;
    std::optional<MailboxInfo> find_mailbox(UserId user, std::string_view name) const;
    /// Throws already_exists, invalid.
    MailboxId create_mailbox(UserId user, std::string_view name);

    // --- messages ------------------------------------------------------------------------------
    /// Stores raw once and appends it to the INBOX of every user in `recipients` (duplicates
    /// collapse to one copy), all in one durable transaction. internal_date in Unix seconds.
    Delivery deliver(std::string_view raw, std::span<const UserId> recipients, std::int64_t internal_date);
    /// Appends raw to one mailbox with the given flags; returns the new UID.
    Uid append(MailboxId mailbox, std::string_view raw, std::uint32_t flags, std::int64_t internal_date);
    /// Messages of a mailbox in ascending UID order.
    std::vector<MessageInfo> list_messages(MailboxId mailbox) const;
    /// The stored bytes of one message. Throws not_found.
    std::string read_message(MailboxId mailbox, Uid uid) const;
    /// Replaces the system flags of one message. Throws not_found.
    void set_flags(MailboxId mailbox, Uid uid, std::uint32_t flags);
    /// Removes every message flagged \Deleted; returns the UIDs removed, ascending. UIDs are never
    /// reused: UIDNEXT does not go back.
    std::vector<Uid> expunge(MailboxId mailbox);

    /// Runs PRAGMA integrity_check; true when "ok".
    bool integrity_ok() const;

private:
    struct Impl;
    explicit MailStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace store
