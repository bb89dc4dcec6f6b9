// Many threads, and two MailStore instances on one file (as smtpd and imapd are), writing at once.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/unit/store_test_fixture.hpp"

namespace {

using namespace store;
using store::testing::TempStoreTest;

TEST_F(TempStoreTest, ConcurrentDeliveriesGetDistinctAscendingUids) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId bob = store_->add_user("bob@example.test", "pw");
    auto second = open();  // another "process"
    constexpr int threads = 8, per_thread = 25;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            MailStore& s = (t % 2) ? *second : *store_;
            UserId to[] = {alice, bob};
            for (int i = 0; i < per_thread; ++i) s.deliver("msg " + std::to_string(t * 1000 + i), to, 0);
        });
    }
    // Readers at the same time.
    std::thread reader([&] {
        for (int i = 0; i < 50; ++i) store_->list_messages(inbox(alice));
    });
    for (auto& w : workers) w.join();
    reader.join();
    for (UserId user : {alice, bob}) {
        auto messages = store_->list_messages(inbox(user));
        ASSERT_EQ(messages.size(), static_cast<std::size_t>(threads * per_thread));
        std::set<std::string> bodies;
        for (std::size_t i = 0; i < messages.size(); ++i) {
            EXPECT_EQ(messages[i].uid, i + 1);
            bodies.insert(store_->read_message(inbox(user), messages[i].uid));
        }
        EXPECT_EQ(bodies.size(), messages.size());  // no duplicates, nothing lost
    }
    EXPECT_TRUE(store_->integrity_ok());
}

TEST_F(TempStoreTest, ConcurrentFlagChangesAndExpunges) {
    UserId alice = store_->add_user("alice@example.test", "pw");
    UserId to[] = {alice};
    for (int i = 0; i < 100; ++i) store_->deliver("m", to, 0);
    MailboxId box = inbox(alice);
    auto second = open();
    std::thread flagger([&] {
        for (Uid uid = 1; uid <= 100; ++uid) {
            Uid one[] = {uid};
            second->change_flags(box, one, FlagChange::add, uid % 2 ? flag_deleted : flag_seen, {});
        }
    });
    std::thread expunger([&] {
        for (int i = 0; i < 20; ++i) store_->expunge(box);
    });
    flagger.join();
    expunger.join();
    store_->expunge(box);
    auto left = store_->list_messages(box);
    EXPECT_EQ(left.size(), 50u);
    for (const auto& m : left) EXPECT_EQ(m.uid % 2, 0u);
}

}  // namespace
