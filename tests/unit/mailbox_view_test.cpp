// MailboxView over a shared listing: the view's changes never reach the listing it started from
// (the store's listing cache hands the same one to every session), and expunges renumber right.
#include "imapd/mailbox_view.hpp"

#include <gtest/gtest.h>

#include <random>

namespace {

using store::MessageInfo;

std::shared_ptr<const std::vector<MessageInfo>> listing(std::initializer_list<store::Uid> uids) {
    std::vector<MessageInfo> messages;
    for (store::Uid uid : uids) {
        MessageInfo m;
        m.uid = uid;
        messages.push_back(m);
    }
    return std::make_shared<const std::vector<MessageInfo>>(std::move(messages));
}

TEST(MailboxView, ChangesStayInTheViewNotInTheSharedListing) {
    auto shared = listing({1, 2, 3, 4, 5});
    imap::MailboxView view(store::MailboxInfo{}, shared, false);
    MessageInfo seen = shared->at(1);
    seen.flags = store::flag_seen;
    view.apply_flags(seen);
    EXPECT_EQ(view.at(2).flags, store::flag_seen);
    EXPECT_EQ(view.remove({1, 4}), "* 4 EXPUNGE\r\n* 1 EXPUNGE\r\n");
    auto fresh = listing({2, 3, 5, 6});
    view.refresh(*fresh, true, true);
    ASSERT_EQ(view.exists(), 4u);
    EXPECT_EQ(view.at(4).uid, 6u);
    // The listing the view started from is untouched.
    ASSERT_EQ(shared->size(), 5u);
    EXPECT_EQ(shared->at(1).flags, 0u);
    EXPECT_EQ(shared->at(3).uid, 4u);
}

TEST(MailboxView, ExpungingManyAtOnceKeepsOrderAndNumbers) {
    std::vector<MessageInfo> messages;
    for (store::Uid uid = 1; uid <= 1000; ++uid) {
        MessageInfo m;
        m.uid = uid * 2;
        messages.push_back(m);
    }
    imap::MailboxView view(store::MailboxInfo{}, std::make_shared<const std::vector<MessageInfo>>(messages), false);
    std::vector<store::Uid> gone;
    for (store::Uid uid = 2; uid <= 2000; uid += 6) gone.push_back(uid);  // every third message
    gone.push_back(8);                                                    // twice: once only
    gone.push_back(7);                                                    // not in the mailbox
    std::string out = view.remove(gone);
    EXPECT_EQ(view.exists(), 1000u - 334u);
    EXPECT_EQ(out.rfind("* 1 EXPUNGE\r\n"), out.size() - 13);  // the lowest last
    for (std::uint32_t seq = 1; seq < view.exists(); ++seq) EXPECT_LT(view.at(seq).uid, view.at(seq + 1).uid);
    for (std::uint32_t seq = 1; seq <= view.exists(); ++seq) EXPECT_NE(view.at(seq).uid % 6, 2u);
}

TEST(MailboxView, TakingTheSharedListingReportsWhatChangingACopyReports) {
    // Two views of one mailbox: one shares the store's listing (and takes each new one as it is),
    // the other has its own copy and changes it. They must tell the client the same things.
    std::mt19937 random(4242);
    auto pick = [&](unsigned n) { return random() % n; };
    std::vector<MessageInfo> state;
    for (store::Uid uid = 1; uid <= 40; ++uid) {
        MessageInfo m;
        m.uid = uid;
        m.flags = pick(2) ? std::uint32_t{store::flag_seen} : 0u;
        state.push_back(m);
    }
    auto first = std::make_shared<const std::vector<MessageInfo>>(state);
    imap::MailboxView sharing(store::MailboxInfo{}, first, false);
    imap::MailboxView copying(store::MailboxInfo{}, first, false);
    copying.apply_flags(state.front());  // unchanged, but the view now has its own copy
    sharing.mark_recent_from(30);
    copying.mark_recent_from(30);
    store::Uid next_uid = 41;
    std::size_t reported = 0;
    for (int step = 0; step < 300; ++step) {
        std::vector<MessageInfo> next;
        for (auto m : state) {
            if (pick(40) == 0) continue;  // expunged
            if (pick(6) == 0) m.flags ^= store::flag_flagged;
            if (pick(10) == 0) m.keywords = pick(2) ? std::vector<std::string>{"$label1"} : std::vector<std::string>{};
            next.push_back(m);
        }
        std::optional<store::Uid> recent_from;
        if (pick(3) == 0) {
            if (pick(2)) recent_from = next_uid;
            for (unsigned n = pick(5); n > 0; --n) {
                MessageInfo m;
                m.uid = next_uid++;
                next.push_back(m);
            }
        }
        state = next;
        auto listing = std::make_shared<const std::vector<MessageInfo>>(state);
        std::string expected = copying.refresh(*listing, true, true, recent_from);
        std::string got = sharing.refresh(listing, true, true, recent_from);
        ASSERT_EQ(got, expected) << "step " << step;
        ASSERT_EQ(sharing.exists(), copying.exists());
        for (std::uint32_t seq = 1; seq <= sharing.exists(); ++seq) {
            ASSERT_EQ(sharing.at(seq).uid, copying.at(seq).uid);
            ASSERT_EQ(sharing.at(seq).flags, copying.at(seq).flags);
            ASSERT_EQ(sharing.at(seq).keywords, copying.at(seq).keywords);
            ASSERT_EQ(sharing.is_recent(sharing.at(seq).uid), copying.is_recent(copying.at(seq).uid));
        }
        ASSERT_EQ(sharing.recent_count(), copying.recent_count());
        reported += got.size();
    }
    EXPECT_GT(state.size(), 20u);  // the mailbox did not run dry
    EXPECT_GT(reported, 10000u);   // and there was plenty to tell
}

}  // namespace
