// The mailbox store: users, mailboxes, messages, flags and UIDs in one SQLite file.
//
// This is the only API over the database; no SQL exists outside store/. A MailStore may be shared
// by every thread of a process (all members are thread-safe), and several processes (smtpd, imapd,
// mailctl) may open the same file at once: the file is in WAL mode with a busy timeout, writes go
// through one write connection per process guarded by a mutex, reads use a small pool of read
// connections. Every write is committed with synchronous=FULL (fsync) before the call returns: a
// call that returned has its effect on disk, a call that threw left no trace. Deliveries and
// appends made at the same time by several threads share one transaction (group commit), so one
// fsync covers them all.
//
// Errors: misuse by an administrator (unknown user, duplicate user, bad mailbox name) throws
// StoreError with a Kind saying which; I/O and SQLite failures throw StoreError with
// Kind::temporary (locked/busy, I/O error), Kind::no_space (disk full) or Kind::corrupt.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
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
        has_children,    ///< a mailbox with inferior names cannot be deleted
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
    std::string address;     ///< canonical form: local part as given, domain lower-cased
    bool can_login = false;  ///< false when the account has no password (e.g. auto-created postmaster)
};

struct MailboxInfo {
    MailboxId id = 0;
    std::string name;  ///< "INBOX" or a '/'-separated path
    std::uint32_t uidvalidity = 0;
    Uid uidnext = 1;
    std::uint32_t message_count = 0;
    std::uint32_t unseen_count = 0;
    std::uint32_t recent_count = 0;  ///< messages no session has claimed as \Recent yet
    std::string special_use;         ///< RFC 6154 attribute ("\\Sent", ...) or empty
    bool subscribed = false;
    std::uint64_t highest_modseq = 0;  ///< changes whenever a message is added, changed or removed
};

/// The mailboxes every new user gets besides INBOX, with their RFC 6154 attributes.
struct SpecialMailbox {
    const char* name;
    const char* special_use;
};
inline constexpr SpecialMailbox special_mailboxes[] = {
    {"Drafts", "\\Drafts"}, {"Sent", "\\Sent"}, {"Trash", "\\Trash"}, {"Junk", "\\Junk"}, {"Archive", "\\Archive"},
};

struct MessageInfo {
    Uid uid = 0;
    MessageId message_id = 0;
    std::uint32_t flags = 0;  ///< bits of Flag
    std::vector<std::string> keywords;
    std::int64_t internal_date = 0;         ///< seconds since the Unix epoch
    std::int32_t internal_date_offset = 0;  ///< minutes east of UTC the date was given in (APPEND)
    std::uint64_t size = 0;                 ///< octets of the stored message
    std::uint64_t modseq = 0;               ///< when this entry last changed
};

/// Where a change sits in its mailbox's history: the mailbox's highest modseq just before it, and
/// the modseq it took (the same when nothing changed). A session whose view of the mailbox was up
/// to date at `before`, and that applies the change to it itself, is up to date at `after`.
struct ModseqStep {
    std::uint64_t before = 0;
    std::uint64_t after = 0;
};

/// Whether a mailbox lookup counts the mailbox's messages.
enum class MailboxCounts { included, omitted };

/// How STORE combines the given flags with the present ones (RFC 3501 §6.4.6).
enum class FlagChange { replace, add, remove };

/// One message of a COPY or MOVE: its UID in the source and in the destination.
struct UidPair {
    Uid source = 0;
    Uid destination = 0;
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
    /// Computes the parsed structure of a message (kept with it, so readers never re-parse);
    /// empty function: no structure is stored and readers compute it on demand.
    std::function<std::string(std::string_view raw)> structure_builder;
    /// How long a verified password is accepted again without the slow hash (0: never).
    std::chrono::seconds password_cache_ttl{3600};
    /// How much of the store each reading connection maps instead of copying pages into its own
    /// cache. Mapping pays off for large reads (listing a big mailbox). It costs a munmap, and a
    /// TLB flush on every core, whenever a read transaction starts after another connection wrote:
    /// in WAL mode SQLite drops the whole mapping then. A process whose reads are small lookups
    /// between its own writes (smtpd) is faster with 0.
    std::size_t mmap_bytes = 256 * 1024 * 1024;
    /// Messages whose listing (UID, flags, size, dates) is kept in memory between listings of
    /// their mailbox, over all mailboxes of at least 1000 messages (0: none; see listing_cache.hpp).
    std::size_t listing_cache_messages = 0;
    /// Smaller mailboxes are listed afresh each time (cheap enough).
    std::size_t listing_cache_min_messages = 1000;
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
    /// "INBOX" is matched case-insensitively; other names exactly. With MailboxCounts::omitted the
    /// message, unseen and recent counts are 0 (and the lookup does not read the mailbox's entries).
    std::optional<MailboxInfo> find_mailbox(UserId user, std::string_view name,
                                            MailboxCounts counts = MailboxCounts::included) const;
    /// Creates name and any missing parents ("a/b/c" creates "a" and "a/b"). Throws
    /// already_exists (name itself exists), invalid (empty component, control characters, too long).
    MailboxId create_mailbox(UserId user, std::string_view name, std::string_view special_use = {});
    /// Throws not_found, invalid (INBOX), has_children.
    void delete_mailbox(UserId user, std::string_view name);
    /// Renames a mailbox and its inferiors. Renaming INBOX moves its messages into a new mailbox
    /// and leaves INBOX empty (RFC 3501 §6.3.5). Throws not_found, already_exists, invalid.
    void rename_mailbox(UserId user, std::string_view from, std::string_view to);
    void subscribe(UserId user, std::string_view name);
    void unsubscribe(UserId user, std::string_view name);
    std::vector<std::string> subscriptions(UserId user) const;
    /// Marks every message from the first not yet claimed up to now as seen by a session; returns
    /// the lowest UID that is \Recent for the caller (RFC 3501 §2.3.2: one session gets each).
    Uid claim_recent(MailboxId mailbox);

    // --- messages ------------------------------------------------------------------------------
    /// Stores raw once and appends it to the INBOX of every user in `recipients` (duplicates
    /// collapse to one copy), all in one durable transaction. internal_date in Unix seconds.
    Delivery deliver(std::string_view raw, std::span<const UserId> recipients, std::int64_t internal_date);
    /// The same, for recipients named by address, resolved inside the delivering transaction (no
    /// separate read). Throws not_found, storing nothing, when an address has no user (any more).
    Delivery deliver(std::string_view raw, std::span<const std::string> addresses, std::int64_t internal_date);
    /// Appends raw to one mailbox with the given flags and keywords; returns the new UID.
    Uid append(MailboxId mailbox, std::string_view raw, std::uint32_t flags, std::int64_t internal_date,
               const std::vector<std::string>& keywords = {}, std::int32_t date_offset_minutes = 0);
    /// Messages of a mailbox in ascending UID order.
    std::vector<MessageInfo> list_messages(MailboxId mailbox) const { return *listing(mailbox); }
    /// The same, shared and immutable: for a mailbox in the listing cache, the cached listing
    /// itself (no copy).
    std::shared_ptr<const std::vector<MessageInfo>> listing(MailboxId mailbox) const;
    /// The stored bytes of one message. Throws not_found.
    std::string read_message(MailboxId mailbox, Uid uid) const;
    /// The stored bytes by message id (shared by every copy). Throws not_found.
    std::string read_raw(MessageId message) const;
    /// The parsed structure kept with a message, if any; save_structure fills it in later.
    std::optional<std::string> read_structure(MessageId message) const;
    void save_structure(MessageId message, std::string_view structure);

    /// Reads of messages that all see one state of the store (as it was at the first read), over
    /// one pooled connection and one read transaction for as long as it lives: for a command that
    /// reads many messages (SEARCH, FETCH), which would otherwise pay a transaction and its file
    /// locks per read. While it lives, its thread must not need a second pooled read connection.
    class Snapshot {
    public:
        ~Snapshot();
        Snapshot(Snapshot&&) noexcept;
        Snapshot& operator=(Snapshot&&) noexcept;
        /// As MailStore::read_raw and read_structure.
        std::string read_raw(MessageId message) const;
        std::optional<std::string> read_structure(MessageId message) const;
        /// The first max_bytes of the message (all of it when shorter), and its whole size:
        /// reading a header without the body behind it. Throws not_found.
        std::string read_raw_prefix(MessageId message, std::size_t max_bytes, std::size_t& total_bytes) const;

    private:
        friend class MailStore;
        struct State;
        explicit Snapshot(std::unique_ptr<State> state);
        std::unique_ptr<State> state_;
    };
    Snapshot snapshot() const;
    /// Replaces the system flags of one message. Throws not_found.
    void set_flags(MailboxId mailbox, Uid uid, std::uint32_t flags);
    /// Changes flags and keywords of the given UIDs (missing UIDs are skipped) in one transaction;
    /// returns the resulting state of every message that exists, ascending.
    std::vector<MessageInfo> change_flags(MailboxId mailbox, std::span<const Uid> uids, FlagChange change,
                                          std::uint32_t flags, const std::vector<std::string>& keywords,
                                          ModseqStep* step = nullptr);
    /// Copies (and with move, removes from the source) the given UIDs into destination, in one
    /// transaction. Pairs ascending by source UID; missing UIDs are skipped.
    std::vector<UidPair> copy_messages(MailboxId source, std::span<const Uid> uids, MailboxId destination, bool move);
    /// Removes every message flagged \Deleted (only those in `only`, when given); returns the
    /// UIDs removed, ascending. UIDs are never reused: UIDNEXT does not go back.
    std::vector<Uid> expunge(MailboxId mailbox, std::optional<std::span<const Uid>> only = std::nullopt,
                             ModseqStep* step = nullptr);

    // --- change notification -------------------------------------------------------------------
    /// A number that grows with every change to any mailbox in the store (all processes).
    std::uint64_t change_counter() const;
    /// The mailbox's highest_modseq (cheap: one row), nullopt if it no longer exists.
    std::optional<std::uint64_t> mailbox_modseq(MailboxId mailbox) const;
    /// Mailboxes changed after the given change_counter() value.
    std::vector<MailboxId> mailboxes_changed_since(std::uint64_t counter) const;

    /// Runs PRAGMA integrity_check; true when "ok".
    bool integrity_ok() const;

private:
    struct Impl;
    explicit MailStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace store
