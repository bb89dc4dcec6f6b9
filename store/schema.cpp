#include "store/schema.hpp"

#include <ctime>
#include <string>

namespace store::schema {

namespace {

// Each step moves the schema from version (index) to (index + 1). Steps are never edited once
// released; changes come as new steps.
constexpr const char* migration_steps[] = {
    // 0 -> 1: users, mailboxes, messages stored once, per-mailbox entries with UIDs and flags.
    R"sql(
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
    -- uidvalidity: the last UIDVALIDITY handed out; modseq: the global change counter.
    INSERT INTO meta (key, value) VALUES ('uidvalidity', 0), ('modseq', 0);

    CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        address       TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL DEFAULT '',
        created       INTEGER NOT NULL
    );

    CREATE TABLE mailboxes (
        id               INTEGER PRIMARY KEY,
        user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name             TEXT NOT NULL,
        uidvalidity      INTEGER NOT NULL,
        uidnext          INTEGER NOT NULL DEFAULT 1,
        first_recent_uid INTEGER NOT NULL DEFAULT 1,
        highest_modseq   INTEGER NOT NULL DEFAULT 0,
        special_use      TEXT NOT NULL DEFAULT '',
        UNIQUE (user_id, name)
    );
    CREATE INDEX mailboxes_by_modseq ON mailboxes (highest_modseq);

    CREATE TABLE subscriptions (
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name    TEXT NOT NULL,
        PRIMARY KEY (user_id, name)
    ) WITHOUT ROWID;

    -- The bytes of a message, once however many mailboxes hold it.
    CREATE TABLE messages (
        id        INTEGER PRIMARY KEY,
        raw       BLOB NOT NULL,
        size      INTEGER NOT NULL,
        structure BLOB
    );

    CREATE TABLE mailbox_messages (
        mailbox_id    INTEGER NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
        uid           INTEGER NOT NULL,
        message_id    INTEGER NOT NULL REFERENCES messages (id),
        flags         INTEGER NOT NULL DEFAULT 0,
        keywords      TEXT NOT NULL DEFAULT '',
        internal_date INTEGER NOT NULL,
        date_offset   INTEGER NOT NULL DEFAULT 0,
        modseq        INTEGER NOT NULL,
        PRIMARY KEY (mailbox_id, uid)
    ) WITHOUT ROWID;
    CREATE INDEX mailbox_messages_by_message ON mailbox_messages (message_id);

    -- The bytes go when the last mailbox entry pointing at them does (also on cascades).
    CREATE TRIGGER messages_drop_orphans AFTER DELETE ON mailbox_messages
    WHEN NOT EXISTS (SELECT 1 FROM mailbox_messages WHERE message_id = OLD.message_id)
    BEGIN
        DELETE FROM messages WHERE id = OLD.message_id;
    END;
    )sql",
    // 1 -> 2: each entry carries its message's size, so listing a mailbox reads only entries (the
    // size column of messages sits behind the raw bytes, in the blob's last overflow page).
    R"sql(
    ALTER TABLE mailbox_messages ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
    UPDATE mailbox_messages SET size = (SELECT m.size FROM messages m WHERE m.id = mailbox_messages.message_id);
    )sql",
    // 2 -> 3: each mailbox keeps its message and unseen counts (STATUS without reading entries),
    // maintained by triggers on every insert, delete and \Seen change of an entry, whichever
    // code path (or process) makes it; and the unseen entries by index.
    R"sql(
    ALTER TABLE mailboxes ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE mailboxes ADD COLUMN unseen_count INTEGER NOT NULL DEFAULT 0;
    UPDATE mailboxes SET
        message_count = (SELECT count(*) FROM mailbox_messages e WHERE e.mailbox_id = mailboxes.id),
        unseen_count = (SELECT count(*) FROM mailbox_messages e WHERE e.mailbox_id = mailboxes.id AND (e.flags & 1) = 0);
    CREATE TRIGGER mailbox_count_insert AFTER INSERT ON mailbox_messages
    BEGIN
        UPDATE mailboxes SET message_count = message_count + 1, unseen_count = unseen_count + ((NEW.flags & 1) = 0)
        WHERE id = NEW.mailbox_id;
    END;
    CREATE TRIGGER mailbox_count_delete AFTER DELETE ON mailbox_messages
    BEGIN
        UPDATE mailboxes SET message_count = message_count - 1, unseen_count = unseen_count - ((OLD.flags & 1) = 0)
        WHERE id = OLD.mailbox_id;
    END;
    CREATE TRIGGER mailbox_count_seen AFTER UPDATE OF flags ON mailbox_messages
    WHEN (OLD.flags & 1) != (NEW.flags & 1)
    BEGIN
        UPDATE mailboxes SET unseen_count = unseen_count + ((NEW.flags & 1) = 0) - ((OLD.flags & 1) = 0)
        WHERE id = NEW.mailbox_id;
    END;
    CREATE INDEX mailbox_messages_unseen ON mailbox_messages (mailbox_id, uid) WHERE (flags & 1) = 0;
    )sql",
    // 3 -> 4: entries expunged or moved away, by the modseq of the change that removed them. A
    // listing kept at some modseq learns from them which of its entries are gone, instead of
    // reading the whole mailbox again. Kept for a window of modseqs (see expunge_memory_modseqs);
    // a listing older than that is read in full.
    R"sql(
    CREATE TABLE expunged_entries (
        mailbox_id INTEGER NOT NULL,
        modseq     INTEGER NOT NULL,
        uid        INTEGER NOT NULL,
        PRIMARY KEY (mailbox_id, modseq, uid)
    ) WITHOUT ROWID;
    CREATE TRIGGER expunged_entries_drop AFTER DELETE ON mailboxes
    BEGIN
        DELETE FROM expunged_entries WHERE mailbox_id = OLD.id;
    END;
    )sql",
    // 4 -> 5: entries by modseq, so bringing a kept listing up to date reads the entries that
    // changed since, not every entry of the mailbox.
    R"sql(
    CREATE INDEX mailbox_messages_by_modseq ON mailbox_messages (mailbox_id, modseq);
    )sql",
};
static_assert(std::size(migration_steps) == current_version);

int user_version(sqlite::Database& db) {
    sqlite::Statement statement(db, "PRAGMA user_version");
    return statement.step() ? static_cast<int>(statement.int64(0)) : 0;
}

bool has_foreign_tables(sqlite::Database& db) {
    sqlite::Statement statement(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
    return statement.step() && statement.int64(0) > 0;
}

}  // namespace

void migrate(sqlite::Database& db, const std::string& path) {
    int version = user_version(db);
    if (version == current_version) return;
    if (version > current_version) {
        throw StoreError(StoreError::Kind::too_new, "store " + path + " has schema version " + std::to_string(version) +
                                                        ", newer than this maild understands (" +
                                                        std::to_string(current_version) + "); upgrade maild");
    }
    sqlite::Transaction transaction(db, sqlite::Transaction::Mode::write);
    version = user_version(db);  // another process may have migrated while we waited for the lock
    if (version == current_version) return;
    if (version == 0 && has_foreign_tables(db)) {
        throw StoreError(StoreError::Kind::corrupt,
                         "store " + path + " is an SQLite database but not a maild store (it has other tables)");
    }
    for (int step = version; step < current_version; ++step) db.exec(migration_steps[step]);
    db.exec("PRAGMA user_version = " + std::to_string(current_version));
    transaction.commit();
}

}  // namespace store::schema
