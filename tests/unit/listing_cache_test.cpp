// The listing cache: a cached listing, brought up to date from the changes since, is always what
// a fresh listing of the mailbox gives, whatever happened in between (checked against a second
// MailStore on the same file that lists without a cache).
#include "store/listing_cache.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>

#include "store_test_fixture.hpp"

namespace {

using namespace store;
using store::testing::TempStoreTest;

MessageInfo entry(Uid uid, std::uint32_t flags = 0) {
    MessageInfo info;
    info.uid = uid;
    info.flags = flags;
    return info;
}

std::vector<Uid> uids_of(const std::vector<MessageInfo>& listing) {
    std::vector<Uid> uids;
    for (const auto& m : listing) uids.push_back(m.uid);
    return uids;
}

TEST(ListingCache, MergeReplacesAndInsertsInUidOrder) {
    std::vector<MessageInfo> listing = {entry(1), entry(3), entry(5)};
    auto merged = merge_changes(listing, {entry(3, flag_seen), entry(4), entry(9)});
    EXPECT_EQ(uids_of(merged), (std::vector<Uid>{1, 3, 4, 5, 9}));
    EXPECT_EQ(merged[1].flags, flag_seen);
    EXPECT_EQ(uids_of(merge_changes({}, {entry(2)})), (std::vector<Uid>{2}));
    EXPECT_EQ(uids_of(merge_changes(listing, {})), (std::vector<Uid>{1, 3, 5}));
}

TEST(ListingCache, KeepsOnlyWhatFitsAndDropsTheLeastRecentlyUsed) {
    ListingCache cache(10, 2);
    auto listing = [](std::size_t n) {
        std::vector<MessageInfo> messages;
        for (std::size_t i = 1; i <= n; ++i) messages.push_back(entry(static_cast<Uid>(i)));
        return ListingCache::Listing{1, 1, std::make_shared<const std::vector<MessageInfo>>(messages)};
    };
    cache.keep(1, listing(1));  // below the minimum
    EXPECT_FALSE(cache.find(1));
    cache.keep(2, listing(11));  // more than all of it
    EXPECT_FALSE(cache.find(2));
    cache.keep(3, listing(4));
    cache.keep(4, listing(4));
    ASSERT_TRUE(cache.find(3));  // 3 is now the most recently used
    cache.keep(5, listing(4));   // 12 > 10: 4 goes
    EXPECT_TRUE(cache.find(3));
    EXPECT_FALSE(cache.find(4));
    EXPECT_TRUE(cache.find(5));
}

TEST(ListingCache, MergeDropsWhatIsGone) {
    std::vector<MessageInfo> listing = {entry(1), entry(3), entry(5), entry(7)};
    auto merged = merge_changes(listing, {entry(4), entry(5, flag_seen)}, {1, 2, 7, 8});
    EXPECT_EQ(uids_of(merged), (std::vector<Uid>{3, 4, 5}));
    EXPECT_EQ(merged[2].flags, flag_seen);
    EXPECT_EQ(uids_of(merge_changes(listing, {}, {3, 5})), (std::vector<Uid>{1, 7}));
}

class ListingCacheStoreTest : public TempStoreTest {
protected:
    std::unique_ptr<MailStore> open_cached() {
        OpenOptions options;
        options.listing_cache_messages = 100000;
        options.listing_cache_min_messages = 1;
        return MailStore::open(path_, options);
    }
    /// Runs sql on the store file past the store; returns the rows, one line each, columns
    /// separated by spaces.
    std::string sql(const std::string& statement) {
        sqlite3* db = nullptr;
        EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
        sqlite3_stmt* stmt = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, statement.c_str(), -1, &stmt, nullptr), SQLITE_OK) << statement;
        std::string out;
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(stmt); ++i)
                out += (i ? " " : "") + std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)));
            out += "\n";
        }
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        return out;
    }
    static void expect_same(const std::vector<MessageInfo>& cached, const std::vector<MessageInfo>& fresh,
                            const std::string& after) {
        ASSERT_EQ(cached.size(), fresh.size()) << after;
        for (std::size_t i = 0; i < fresh.size(); ++i) {
            const auto& a = cached[i];
            const auto& b = fresh[i];
            ASSERT_TRUE(a.uid == b.uid && a.message_id == b.message_id && a.flags == b.flags &&
                        a.keywords == b.keywords && a.internal_date == b.internal_date &&
                        a.internal_date_offset == b.internal_date_offset && a.size == b.size && a.modseq == b.modseq)
                << after << ": entry " << i << " (UID " << b.uid << " / " << a.uid << ")";
        }
    }
};

TEST_F(ListingCacheStoreTest, ACachedListingAlwaysEqualsAFreshOne) {
    UserId alice = store_->add_user("alice@example.test", "pw");  // with INBOX and Archive
    auto cached = open_cached();
    std::mt19937 random(12345);
    auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
    auto some_uids = [&](MailboxId mailbox) {
        std::vector<Uid> uids;
        for (const auto& m : store_->list_messages(mailbox)) {
            if (pick(4) == 0) uids.push_back(m.uid);
        }
        return uids;
    };
    for (int step = 0; step < 400; ++step) {
        // The mailboxes may have been re-created (and their ids reused) by earlier steps.
        MailboxId in = store_->find_mailbox(alice, "INBOX")->id;
        MailboxId archive = store_->find_mailbox(alice, "Archive")->id;
        std::string what;
        switch (pick(9)) {
            case 0:
            case 1: {
                what = "deliver";
                UserId to[] = {alice};
                store_->deliver("Subject: " + std::to_string(step) + "\r\n\r\nx\r\n", to, step);
                break;
            }
            case 2:
                what = "append";
                store_->append(pick(2) ? in : archive, "Subject: a\r\n\r\ny\r\n", flag_seen, step, {"$label"});
                break;
            case 3: {
                what = "flags";
                auto uids = some_uids(in);
                store_->change_flags(
                    in, uids, static_cast<FlagChange>(pick(3)), 1u << pick(5),
                    pick(2) ? std::vector<std::string>{"k" + std::to_string(pick(3))} : std::vector<std::string>{});
                break;
            }
            case 4: {
                what = "expunge";
                auto uids = some_uids(in);
                store_->change_flags(in, uids, FlagChange::add, flag_deleted, {});
                store_->expunge(in);
                break;
            }
            case 5: {
                what = "copy/move";
                auto uids = some_uids(in);
                bool move = pick(2);
                if (pick(2))
                    store_->copy_messages(in, uids, archive, move);
                else
                    store_->copy_messages(archive, some_uids(archive), in, move);
                break;
            }
            case 6:
                what = "rename INBOX";
                if (pick(4) == 0) {
                    store_->rename_mailbox(alice, "INBOX", "Old" + std::to_string(step));
                }
                break;
            case 7:
                what = "re-create Archive";
                if (pick(6) == 0) {
                    store_->delete_mailbox(alice, "Archive");
                    store_->create_mailbox(alice, "Archive");
                }
                break;
            default: what = "nothing"; break;
        }
        what += " at step " + std::to_string(step);
        for (const char* name : {"INBOX", "Archive"}) {
            MailboxId mailbox = store_->find_mailbox(alice, name)->id;
            auto fresh = store_->list_messages(mailbox);
            if (pick(3) != 0) expect_same(cached->list_messages(mailbox), fresh, what + " in " + name);
            if (::testing::Test::HasFatalFailure()) return;
        }
    }
}

TEST_F(ListingCacheStoreTest, ExpungesAndMovesAreRememberedByTheirModseq) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    MailboxId in = inbox(alice);
    MailboxId archive = store_->find_mailbox(alice, "Archive")->id;
    UserId to[] = {alice};
    for (int i = 0; i < 4; ++i) store_->deliver("Subject: s\r\n\r\nx\r\n", to, i);
    Uid one[] = {1}, three[] = {3};
    store_->change_flags(in, one, FlagChange::add, flag_deleted, {});
    store_->expunge(in);
    const std::string after_expunge = sql("SELECT highest_modseq FROM mailboxes WHERE id = " + std::to_string(in));
    store_->copy_messages(in, three, archive, true);
    const std::string after_move = sql("SELECT highest_modseq FROM mailboxes WHERE id = " + std::to_string(in));
    EXPECT_EQ(sql("SELECT mailbox_id, modseq, uid FROM expunged_entries ORDER BY modseq"),
              std::to_string(in) + " " + after_expunge.substr(0, after_expunge.size() - 1) + " 1\n" +
                  std::to_string(in) + " " + after_move.substr(0, after_move.size() - 1) + " 3\n");
    store_->delete_user("alice@example.test");  // mailboxes that go take their memory with them
    EXPECT_EQ(sql("SELECT count(*) FROM expunged_entries"), "0\n");
}

TEST_F(ListingCacheStoreTest, AListingOlderThanWhatIsRememberedIsReadInFull) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    MailboxId in = inbox(alice);
    UserId to[] = {alice};
    for (int i = 0; i < 5; ++i) store_->deliver("Subject: s\r\n\r\nx\r\n", to, i);
    auto cached = open_cached();
    ASSERT_EQ(cached->list_messages(in).size(), 5u);  // kept
    Uid two[] = {2};
    store_->change_flags(in, two, FlagChange::add, flag_deleted, {});
    store_->expunge(in);
    sql("DELETE FROM expunged_entries");  // as if it happened longer ago than is remembered
    expect_same(cached->list_messages(in), store_->list_messages(in), "forgotten expunge");
    EXPECT_EQ(cached->list_messages(in).size(), 4u);
}

}  // namespace
