#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <fstream>

#include "store/password_hash.hpp"
#include "store/sqlite.hpp"
#include "store/store_options.hpp"
#include "tests/unit/store_test_fixture.hpp"

namespace {

using namespace store;
using store::testing::TempStoreTest;
using Kind = StoreError::Kind;

Kind kind_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const StoreError& e) {
        return e.kind();
    }
    ADD_FAILURE() << "no StoreError thrown";
    return Kind::invalid;
}

void raw_sql(const std::filesystem::path& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << sql;
}

std::string raw_query(const std::filesystem::path& path, const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    std::string out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        out += (text ? text : "NULL") + std::string("\n");
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
}

TEST_F(TempStoreTest, MissingStoreIsNotCreatedAndTheMessageSaysHow) {
    auto missing = dir_ / "missing.db";
    try {
        MailStore::open(missing, OpenOptions{});
        FAIL();
    } catch (const StoreError& e) {
        EXPECT_EQ(e.kind(), Kind::not_found);
        EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("mailctl --store"), std::string::npos);
    }
    EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(TempStoreTest, SchemaVersionAndWal) {
    EXPECT_EQ(raw_query(path_, "PRAGMA user_version"), std::to_string(MailStore::schema_version()) + "\n");
    EXPECT_EQ(raw_query(path_, "PRAGMA journal_mode"), "wal\n");
}

TEST_F(TempStoreTest, GarbageFileIsCorrupt) {
    auto garbage = dir_ / "garbage.db";
    std::ofstream(garbage) << std::string(8192, 'x');
    EXPECT_EQ(kind_of([&] { MailStore::open(garbage, OpenOptions{}); }), Kind::corrupt);
}

TEST_F(TempStoreTest, ForeignSqliteDatabaseIsRefused) {
    auto other = dir_ / "other.db";
    raw_sql(other, "CREATE TABLE t(x)");
    EXPECT_EQ(kind_of([&] { MailStore::open(other, OpenOptions{}); }), Kind::corrupt);
}

TEST_F(TempStoreTest, NewerSchemaIsRefused) {
    store_.reset();
    raw_sql(path_, "PRAGMA user_version = 99");
    try {
        open();
        FAIL();
    } catch (const StoreError& e) {
        EXPECT_EQ(e.kind(), Kind::too_new);
        EXPECT_NE(std::string(e.what()).find("99"), std::string::npos);
    }
}

TEST_F(TempStoreTest, MigrationFromAnEmptyFile) {
    auto fresh = dir_ / "fresh.db";
    raw_sql(fresh, "PRAGMA user_version = 0");  // an empty SQLite file, as sqlite3 leaves it
    OpenOptions options;
    auto s = MailStore::open(fresh, options);
    EXPECT_EQ(raw_query(fresh, "PRAGMA user_version"), std::to_string(MailStore::schema_version()) + "\n");
    EXPECT_TRUE(s->integrity_ok());
}

TEST_F(TempStoreTest, MigrationFromVersion1CarriesMessageSizes) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    store_->deliver("Subject: one\r\n\r\nbody\r\n", to, 0);
    store_->deliver(std::string(5000, 'x'), to, 0);
    store_.reset();
    // Back to a version-1 store, as a maild of that version left it.
    raw_sql(path_,
            "DROP INDEX mailbox_messages_by_modseq;"
            " DROP TRIGGER expunged_entries_drop; DROP TABLE expunged_entries;"
            " DROP INDEX mailbox_messages_unseen; DROP TRIGGER mailbox_count_insert;"
            " DROP TRIGGER mailbox_count_delete; DROP TRIGGER mailbox_count_seen;"
            " ALTER TABLE mailboxes DROP COLUMN message_count; ALTER TABLE mailboxes DROP COLUMN unseen_count;"
            " ALTER TABLE mailbox_messages DROP COLUMN size; PRAGMA user_version = 1;");
    store_ = open();
    EXPECT_EQ(raw_query(path_, "PRAGMA user_version"), std::to_string(MailStore::schema_version()) + "\n");
    auto messages = store_->list_messages(inbox(alice));
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[0].size, 22u);
    EXPECT_EQ(messages[1].size, 5000u);
    EXPECT_EQ(raw_query(path_, "SELECT name FROM sqlite_master WHERE name = 'mailbox_messages_by_modseq'"),
              "mailbox_messages_by_modseq\n");
    EXPECT_TRUE(store_->integrity_ok());
}

TEST_F(TempStoreTest, DeliveriesKeepTheLogCheckpointed) {
    // Checkpoints after group commits are left to the committer's upkeep; the log must still be
    // copied into the store and start over, not grow for as long as mail arrives.
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    const std::string message = "Subject: s\r\n\r\n" + std::string(8000, 'x') + "\r\n";
    for (int i = 0; i < 400; ++i) store_->deliver(message, to, i);  // about 2,000 log frames written
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    // The connection finds the store in WAL mode once it has read it.
    ASSERT_EQ(sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr), SQLITE_OK);
    int log_frames = -1, copied = -1;
    EXPECT_EQ(sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied), SQLITE_OK);
    sqlite3_close(db);
    EXPECT_GE(log_frames, 0);
    EXPECT_LE(log_frames, 1100);  // at most one crossing's worth past SQLite's 1,000-frame mark
    EXPECT_EQ(store_->list_messages(inbox(alice)).size(), 400u);
}

TEST_F(TempStoreTest, FlagChangesAndExpungesTellTheModseqsAroundThem) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    for (int i = 0; i < 3; ++i) store_->deliver("Subject: s\r\n\r\nx\r\n", to, i);
    MailboxId in = inbox(alice);
    auto highest = [&] { return *store_->mailbox_modseq(in); };
    const std::uint64_t start = highest();
    Uid one[] = {1}, two[] = {2};
    ModseqStep step;
    store_->change_flags(in, one, FlagChange::add, flag_seen, {}, &step);
    EXPECT_EQ(step.before, start);
    EXPECT_EQ(step.after, highest());
    EXPECT_GT(step.after, step.before);
    store_->change_flags(in, one, FlagChange::add, flag_seen, {}, &step);  // already so: no change
    EXPECT_EQ(step.before, highest());
    EXPECT_EQ(step.after, step.before);
    store_->change_flags(in, two, FlagChange::add, flag_deleted, {});
    const std::uint64_t before_expunge = highest();
    EXPECT_EQ(store_->expunge(in, std::nullopt, &step), std::vector<Uid>{2});
    EXPECT_EQ(step.before, before_expunge);
    EXPECT_EQ(step.after, highest());
    EXPECT_GT(step.after, step.before);
    EXPECT_TRUE(store_->expunge(in, std::nullopt, &step).empty());  // nothing flagged \Deleted
    EXPECT_EQ(step.before, highest());
    EXPECT_EQ(step.after, step.before);
}

TEST_F(TempStoreTest, UsersAddFindListDelete) {
    UserId alice = store_->add_user("Alice@Example.TEST", "pw");
    store_->add_user("bob@example.test", "pw");
    auto found = store_->find_user("ALICE@example.test");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, alice);
    EXPECT_EQ(found->address, "Alice@example.test");  // local part kept, domain lower-cased
    EXPECT_TRUE(found->can_login);
    EXPECT_EQ(store_->list_users().size(), 2u);
    EXPECT_EQ(kind_of([&] { store_->add_user("alice@example.test", "x"); }), Kind::already_exists);
    store_->delete_user("bob@example.test");
    EXPECT_FALSE(store_->find_user("bob@example.test"));
    EXPECT_EQ(kind_of([&] { store_->delete_user("bob@example.test"); }), Kind::not_found);
    EXPECT_EQ(kind_of([&] { store_->set_password("bob@example.test", "x"); }), Kind::not_found);
}

TEST_F(TempStoreTest, InvalidAddresses) {
    for (const char* bad : {"no-at", "@example.test", "alice@", "a b@example.test", "a<b@example.test"}) {
        EXPECT_EQ(kind_of([&] { store_->add_user(bad, "pw"); }), Kind::invalid) << bad;
    }
    EXPECT_NO_THROW(store_->add_user("j\xc3\xb6rg@example.test", "pw"));
}

TEST_F(TempStoreTest, PasswordsAreHashedAndChecked) {
    store_->add_user("alice@example.test", "correct horse");
    store_->add_user("postmaster@example.test", "");
    EXPECT_TRUE(store_->verify_password("alice@example.test", "correct horse"));
    EXPECT_TRUE(store_->verify_password("ALICE@example.test", "correct horse"));
    EXPECT_FALSE(store_->verify_password("alice@example.test", "wrong"));
    EXPECT_FALSE(store_->verify_password("nobody@example.test", "correct horse"));
    EXPECT_FALSE(store_->verify_password("postmaster@example.test", ""));
    EXPECT_FALSE(store_->find_user("postmaster@example.test")->can_login);
    std::string hash = raw_query(path_, "SELECT password_hash FROM users WHERE address = 'alice@example.test'");
    EXPECT_EQ(hash.find("correct horse"), std::string::npos);
    EXPECT_EQ(hash.rfind("$", 0), 0u);
    store_->set_password("alice@example.test", "new");
    EXPECT_TRUE(store_->verify_password("alice@example.test", "new"));
    EXPECT_FALSE(store_->verify_password("alice@example.test", "correct horse"));
}

// SQLite takes process-wide settings only before it initializes; after that sqlite3_config fails
// and the setting silently does not apply. Registering the store's VFS used to initialize it
// first, so allocation statistics (a global mutex on every malloc) stayed on.
TEST(SqliteLibrary, IsConfiguredBeforeItsFirstUse) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");  // a fresh process, where nothing used SQLite yet
    EXPECT_EXIT(
        {
            auto dir = std::filesystem::temp_directory_path() / ("maild-sqlite-config-" + std::to_string(::getpid()));
            std::filesystem::create_directories(dir);
            OpenOptions options;
            options.create_if_missing = true;
            auto opened = MailStore::open(dir / "maild.db", options);
            opened->add_user("someone@example.test", "");
            sqlite3_int64 used = -1;
            sqlite3_int64 highest = -1;
            sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &used, &highest, 0);
            bool ok = store::sqlite::library_configured() && used == 0;  // statistics off: nothing counted
            opened.reset();
            std::filesystem::remove_all(dir);
            std::exit(ok ? 0 : 1);
        },
        ::testing::ExitedWithCode(0), "");
}

TEST(PasswordHash, SaltedYescrypt) {
    std::string a = hash_password("pw");
    std::string b = hash_password("pw");
    EXPECT_NE(a, b);
    EXPECT_TRUE(a.rfind("$y$", 0) == 0 || a.rfind("$6$", 0) == 0) << a;
    EXPECT_TRUE(check_password("pw", a));
    EXPECT_FALSE(check_password("pW", a));
    EXPECT_FALSE(check_password("pw", ""));
    EXPECT_FALSE(check_password("pw", "garbage"));
}

TEST_F(TempStoreTest, NewUsersGetInboxAndSpecialUseMailboxes) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    auto mailboxes = store_->list_mailboxes(alice);
    ASSERT_EQ(mailboxes.size(), 6u);
    EXPECT_EQ(mailboxes[0].name, "INBOX");
    auto sent = store_->find_mailbox(alice, "Sent");
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->special_use, "\\Sent");
    EXPECT_TRUE(sent->subscribed);
    EXPECT_TRUE(store_->find_mailbox(alice, "inbox"));
}

TEST_F(TempStoreTest, MailboxRules) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    store_->create_mailbox(alice, "Projects/2026/Q4");
    EXPECT_TRUE(store_->find_mailbox(alice, "Projects"));
    EXPECT_TRUE(store_->find_mailbox(alice, "Projects/2026"));
    EXPECT_EQ(kind_of([&] { store_->create_mailbox(alice, "Projects"); }), Kind::already_exists);
    EXPECT_EQ(kind_of([&] { store_->create_mailbox(alice, "inbox"); }), Kind::already_exists);
    for (const char* bad : {"", "/a", "a/", "a//b", "a\nb", "a*", "a%b"}) {
        EXPECT_EQ(kind_of([&] { store_->create_mailbox(alice, bad); }), Kind::invalid) << bad;
    }
    EXPECT_EQ(kind_of([&] { store_->delete_mailbox(alice, "Projects"); }), Kind::has_children);
    EXPECT_EQ(kind_of([&] { store_->delete_mailbox(alice, "INBOX"); }), Kind::invalid);
    EXPECT_EQ(kind_of([&] { store_->delete_mailbox(alice, "Nope"); }), Kind::not_found);
    store_->rename_mailbox(alice, "Projects", "Work");
    EXPECT_TRUE(store_->find_mailbox(alice, "Work/2026/Q4"));
    EXPECT_FALSE(store_->find_mailbox(alice, "Projects/2026"));
    EXPECT_EQ(kind_of([&] { store_->rename_mailbox(alice, "Work", "Work/inside"); }), Kind::invalid);
    EXPECT_EQ(kind_of([&] { store_->rename_mailbox(alice, "Work", "Sent"); }), Kind::already_exists);
    store_->delete_mailbox(alice, "Work/2026/Q4");
    EXPECT_FALSE(store_->find_mailbox(alice, "Work/2026/Q4"));
}

TEST_F(TempStoreTest, UidvalidityIsStableAndDistinct) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    auto before = store_->find_mailbox(alice, "INBOX")->uidvalidity;
    store_->create_mailbox(alice, "A");
    auto a = store_->find_mailbox(alice, "A")->uidvalidity;
    EXPECT_NE(a, before);
    store_ = open();
    EXPECT_EQ(store_->find_mailbox(alice, "INBOX")->uidvalidity, before);
    store_->delete_mailbox(alice, "A");
    store_->create_mailbox(alice, "A");
    EXPECT_GT(store_->find_mailbox(alice, "A")->uidvalidity, a);  // a re-created name gets a new one
}

TEST_F(TempStoreTest, DeliverStoresOnceForAllRecipientsByteExact) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId bob = store_->add_user("bob@example.test", "pw");
    const std::string raw("Subject: x\r\n\r\n8-bit \xc3\xa9 and NUL \0 end\r\n", 35);
    UserId recipients[] = {alice, bob, alice};
    Delivery d = store_->deliver(raw, recipients, 1700000000);
    ASSERT_EQ(d.copies.size(), 2u);
    EXPECT_EQ(store_->read_message(inbox(alice), 1), raw);
    EXPECT_EQ(store_->read_message(inbox(bob), 1), raw);
    EXPECT_EQ(raw_query(path_, "SELECT count(*) FROM messages"), "1\n");
    auto listed = store_->list_messages(inbox(alice));
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].size, raw.size());
    EXPECT_EQ(listed[0].internal_date, 1700000000);
}

TEST_F(TempStoreTest, DeliverToAnUnknownUserStoresNothing) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId recipients[] = {alice, 999};
    EXPECT_EQ(kind_of([&] { store_->deliver("x", recipients, 0); }), Kind::not_found);
    EXPECT_TRUE(store_->list_messages(inbox(alice)).empty());
    EXPECT_EQ(raw_query(path_, "SELECT count(*) FROM messages"), "0\n");
}

TEST_F(TempStoreTest, DeliverByAddressResolvesInsideTheTransaction) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId bob = store_->add_user("bob@example.test", "pw");
    const std::string both[] = {"alice@example.test", "bob@example.test", "alice@example.test"};
    Delivery d = store_->deliver("Subject: x\r\n\r\nhi\r\n", both, 0);
    ASSERT_EQ(d.copies.size(), 2u);  // duplicates collapse
    EXPECT_EQ(store_->list_messages(inbox(alice)).size(), 1u);
    EXPECT_EQ(store_->list_messages(inbox(bob)).size(), 1u);

    // A recipient deleted between RCPT and DATA: nothing is stored for anyone.
    store_->delete_user("bob@example.test");
    const std::string gone[] = {"alice@example.test", "bob@example.test"};
    EXPECT_EQ(kind_of([&] { store_->deliver("y", gone, 0); }), Kind::not_found);
    EXPECT_EQ(store_->list_messages(inbox(alice)).size(), 1u);
    EXPECT_EQ(raw_query(path_, "SELECT count(*) FROM messages"), "1\n");
}

TEST_F(TempStoreTest, ASnapshotReadsOneStateOfTheStore) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    MessageId first = store_->deliver("Subject: one\r\n\r\n1\r\n", to, 0).message;
    {
        auto snapshot = store_->snapshot();
        EXPECT_EQ(snapshot.read_raw(first), "Subject: one\r\n\r\n1\r\n");                // its state starts here
        MessageId second = store_->deliver("Subject: two\r\n\r\n2\r\n", to, 0).message;  // not blocked by it
        EXPECT_EQ(kind_of([&] { snapshot.read_raw(second); }), Kind::not_found);
        EXPECT_EQ(store_->read_raw(second), "Subject: two\r\n\r\n2\r\n");
    }
    EXPECT_EQ(store_->snapshot().read_raw(first), "Subject: one\r\n\r\n1\r\n");
}

TEST_F(TempStoreTest, ASnapshotReadsTheStartOfAMessageAlone) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    std::string raw = "Subject: big\r\n\r\n";
    for (int i = 0; raw.size() < 300000; ++i) raw += std::to_string(i) + "\r\n";  // over many overflow pages
    MessageId big = store_->deliver(raw, to, 0).message;
    auto snapshot = store_->snapshot();
    std::size_t total = 0;
    EXPECT_EQ(snapshot.read_raw_prefix(big, 14, total), "Subject: big\r\n");
    EXPECT_EQ(total, raw.size());
    EXPECT_EQ(snapshot.read_raw_prefix(big, 100000, total), raw.substr(0, 100000));
    EXPECT_EQ(snapshot.read_raw_prefix(big, 1 << 20, total), raw);  // past the end: all of it
    EXPECT_EQ(kind_of([&] { snapshot.read_raw_prefix(big + 1, 10, total); }), Kind::not_found);
}

TEST_F(TempStoreTest, UidsAscendAndAreNeverReused) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    for (int i = 0; i < 3; ++i) store_->deliver("m", to, 0);
    MailboxId box = inbox(alice);
    store_->set_flags(box, 2, flag_deleted);
    store_->set_flags(box, 3, flag_deleted | flag_seen);
    EXPECT_EQ(store_->expunge(box), (std::vector<Uid>{2, 3}));
    store_ = open();
    store_->deliver("m", to, 0);
    std::vector<Uid> uids;
    for (const auto& m : store_->list_messages(box)) uids.push_back(m.uid);
    EXPECT_EQ(uids, (std::vector<Uid>{1, 4}));
    EXPECT_EQ(store_->find_mailbox(alice, "INBOX")->uidnext, 5u);
}

TEST_F(TempStoreTest, FlagsAndKeywords) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    store_->deliver("a", to, 0);
    store_->deliver("b", to, 0);
    MailboxId box = inbox(alice);
    Uid both[] = {1, 2, 99};
    auto changed = store_->change_flags(box, both, FlagChange::add, flag_seen | flag_flagged, {"$Label1", "Work"});
    ASSERT_EQ(changed.size(), 2u);
    EXPECT_EQ(changed[0].flags, flag_seen | flag_flagged);
    EXPECT_EQ(changed[0].keywords, (std::vector<std::string>{"$Label1", "Work"}));
    Uid one[] = {1};
    changed = store_->change_flags(box, one, FlagChange::remove, flag_flagged, {"work"});
    EXPECT_EQ(changed[0].flags, flag_seen);
    EXPECT_EQ(changed[0].keywords, std::vector<std::string>{"$Label1"});
    changed = store_->change_flags(box, one, FlagChange::replace, flag_answered, {});
    EXPECT_EQ(changed[0].flags, flag_answered);
    EXPECT_TRUE(changed[0].keywords.empty());
    auto info = store_->find_mailbox(alice, "INBOX");
    EXPECT_EQ(info->unseen_count, 1u);
    EXPECT_EQ(kind_of([&] { store_->set_flags(box, 42, 0); }), Kind::not_found);
}

TEST_F(TempStoreTest, ChangeCounterMovesWithEveryChange) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    auto c0 = store_->change_counter();
    store_->deliver("a", to, 0);
    auto c1 = store_->change_counter();
    EXPECT_GT(c1, c0);
    EXPECT_EQ(store_->mailboxes_changed_since(c0), std::vector<MailboxId>{inbox(alice)});
    EXPECT_TRUE(store_->mailboxes_changed_since(c1).empty());
    Uid one[] = {1};
    store_->change_flags(inbox(alice), one, FlagChange::add, flag_seen, {});
    EXPECT_GT(store_->change_counter(), c1);
    auto c2 = store_->change_counter();
    store_->change_flags(inbox(alice), one, FlagChange::add, flag_seen, {});  // no change: no new modseq
    EXPECT_EQ(store_->change_counter(), c2);
}

TEST_F(TempStoreTest, CopyAndMove) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    for (int i = 0; i < 3; ++i) store_->deliver("m" + std::to_string(i), to, 0);
    MailboxId box = inbox(alice);
    MailboxId archive = store_->find_mailbox(alice, "Archive")->id;
    Uid some[] = {3, 1, 7};
    auto pairs = store_->copy_messages(box, some, archive, false);
    ASSERT_EQ(pairs.size(), 2u);
    EXPECT_EQ(pairs[0].source, 1u);
    EXPECT_EQ(pairs[0].destination, 1u);
    EXPECT_EQ(pairs[1].source, 3u);
    EXPECT_EQ(pairs[1].destination, 2u);
    EXPECT_EQ(store_->read_message(archive, 2), "m2");
    Uid two[] = {2};
    pairs = store_->copy_messages(box, two, archive, true);
    EXPECT_EQ(pairs[0].destination, 3u);
    EXPECT_EQ(store_->list_messages(box).size(), 2u);
    EXPECT_EQ(raw_query(path_, "SELECT count(*) FROM messages"), "3\n");  // copies share the bytes
}

TEST_F(TempStoreTest, RenameInboxMovesMessages) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    store_->deliver("a", to, 0);
    store_->deliver("b", to, 0);
    store_->rename_mailbox(alice, "INBOX", "Old");
    EXPECT_TRUE(store_->list_messages(inbox(alice)).empty());
    auto old = store_->find_mailbox(alice, "Old");
    ASSERT_TRUE(old);
    EXPECT_EQ(store_->read_message(old->id, 2), "b");
    store_->deliver("c", to, 0);
    EXPECT_EQ(store_->list_messages(inbox(alice)).at(0).uid, 3u);  // INBOX keeps its UID sequence
}

TEST_F(TempStoreTest, DeletingAUserRemovesTheirMessages) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    store_->deliver("a", to, 0);
    store_->delete_user("alice@example.test");
    EXPECT_EQ(raw_query(path_, "SELECT count(*) FROM messages"), "0\n");
    EXPECT_EQ(raw_query(path_, "SELECT count(*) FROM mailboxes"), "0\n");
    EXPECT_TRUE(store_->integrity_ok());
}

TEST_F(TempStoreTest, RecentIsClaimedOnce) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    store_->deliver("a", to, 0);
    EXPECT_EQ(store_->find_mailbox(alice, "INBOX")->recent_count, 1u);
    EXPECT_EQ(store_->claim_recent(inbox(alice)), 1u);
    EXPECT_EQ(store_->claim_recent(inbox(alice)), 2u);
    EXPECT_EQ(store_->find_mailbox(alice, "INBOX")->recent_count, 0u);
}

TEST_F(TempStoreTest, SubscriptionsFollowRenames) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    store_->create_mailbox(alice, "Lists/dev");
    store_->subscribe(alice, "Lists/dev");
    store_->rename_mailbox(alice, "Lists", "Groups");
    auto subs = store_->subscriptions(alice);
    EXPECT_NE(std::find(subs.begin(), subs.end(), "Groups/dev"), subs.end());
    store_->unsubscribe(alice, "Groups/dev");
    subs = store_->subscriptions(alice);
    EXPECT_EQ(std::find(subs.begin(), subs.end(), "Groups/dev"), subs.end());
}

TEST_F(TempStoreTest, StructureIsBuiltOnceAtDelivery) {
    store_.reset();
    OpenOptions options;
    int calls = 0;
    options.structure_builder = [&calls](std::string_view raw) {
        ++calls;
        return "parsed:" + std::string(raw);
    };
    store_ = MailStore::open(path_, options);
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId bob = store_->add_user("bob@example.test", "pw");
    UserId to[] = {alice, bob};
    Delivery d = store_->deliver("raw", to, 0);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(store_->read_structure(d.message), "parsed:raw");
}

}  // namespace

namespace {

TEST(LoginAddress, BareLocalPartMeansTheFirstDomain) {
    std::vector<std::string> domains = {"example.test", "example.org"};
    EXPECT_EQ(store::login_address("alice", domains), "alice@example.test");
    EXPECT_EQ(store::login_address("carol@example.org", domains), "carol@example.org");
    EXPECT_EQ(store::login_address("alice", {}), "alice");
}

}  // namespace

namespace {

using store::testing::TempStoreTest;

TEST_F(TempStoreTest, CachedPasswordEndsWhenAnotherProcessChangesIt) {
    store_->add_user("alice@example.test", "first");
    EXPECT_TRUE(store_->verify_password("alice@example.test", "first"));  // hashed, then cached
    EXPECT_TRUE(store_->verify_password("alice@example.test", "first"));  // from the cache
    auto mailctl = open();                                                // another process
    mailctl->set_password("alice@example.test", "second");
    EXPECT_FALSE(store_->verify_password("alice@example.test", "first"));
    EXPECT_TRUE(store_->verify_password("alice@example.test", "second"));
    EXPECT_FALSE(store_->verify_password("alice@example.test", "wrong"));
}

}  // namespace

namespace {

/// The kept counts must equal what the entries say, after every kind of change.
void expect_counts_match(store::MailStore& s, store::UserId user) {
    for (const auto& mailbox : s.list_mailboxes(user)) {
        auto messages = s.list_messages(mailbox.id);
        auto unseen = std::count_if(messages.begin(), messages.end(),
                                    [](const store::MessageInfo& m) { return (m.flags & store::flag_seen) == 0; });
        EXPECT_EQ(mailbox.message_count, messages.size()) << mailbox.name;
        EXPECT_EQ(mailbox.unseen_count, static_cast<std::uint32_t>(unseen)) << mailbox.name;
    }
}

TEST_F(TempStoreTest, MailboxCountsFollowEveryChange) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    for (int i = 0; i < 5; ++i) store_->deliver("Subject: " + std::to_string(i) + "\r\n\r\nx\r\n", to, 0);
    MailboxId inbox_id = inbox(alice);
    MailboxId archive = store_->create_mailbox(alice, "Old");
    store_->append(archive, "Subject: seen\r\n\r\nx\r\n", store::flag_seen, 0);
    expect_counts_match(*store_, alice);
    Uid two[] = {1, 2};
    store_->change_flags(inbox_id, two, FlagChange::add, store::flag_seen | store::flag_deleted, {});
    expect_counts_match(*store_, alice);
    Uid three[] = {3};
    store_->copy_messages(inbox_id, three, archive, false);
    store_->copy_messages(inbox_id, two, archive, true);  // move
    expect_counts_match(*store_, alice);
    store_->change_flags(archive, two, FlagChange::remove, store::flag_seen, {});
    store_->expunge(archive);
    expect_counts_match(*store_, alice);
    store_->rename_mailbox(alice, "INBOX", "Saved");
    expect_counts_match(*store_, alice);
    store_->delete_mailbox(alice, "Old");
    expect_counts_match(*store_, alice);
}

}  // namespace
