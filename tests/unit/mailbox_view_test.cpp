// MailboxView over a shared listing: the view's changes never reach the listing it started from
// (the store's listing cache hands the same one to every session), and expunges renumber right.
#include "imapd/mailbox_view.hpp"

#include <gtest/gtest.h>

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

}  // namespace
