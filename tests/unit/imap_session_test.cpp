// The IMAP session state machine fed strings, on a real temporary store.
#include "imapd/imap_session.hpp"

#include <gtest/gtest.h>

#include "common/log.hpp"
#include "tests/unit/store_test_fixture.hpp"

namespace {

using store::testing::TempStoreTest;

class ImapSessionTest : public TempStoreTest {
protected:
    void SetUp() override {
        TempStoreTest::SetUp();
        maild::log::set_level(maild::log::Level::off);
        alice_ = store_->add_user("alice@example.test", "secret");
        store_->add_user("bob@example.test", "secret");
        config_.hostname = "imap.example.test";
        config_.domains = {"example.test"};
        config_.max_bad_commands = 5;
        session_ = make_session();
    }
    std::unique_ptr<imap::ImapSession> make_session() {
        maild::ConnectionInfo info;
        info.id = 1;
        info.peer_address = "127.0.0.1";
        auto s = std::make_unique<imap::ImapSession>(config_, *store_, nullptr, info);
        s->start();
        greeting_ = s->take_output();
        return s;
    }
    std::string say(std::string_view text) {
        session_->feed(text);
        return session_->take_output();
    }
    void deliver(const std::string& raw) {
        store::UserId to[] = {alice_};
        store_->deliver(raw, to, 1795000000);
    }
    void login() { ASSERT_NE(say("l LOGIN alice secret\r\n").find("l OK"), std::string::npos); }

    imap::ImapConfig config_;
    store::UserId alice_ = 0;
    std::unique_ptr<imap::ImapSession> session_;
    std::string greeting_;
};

TEST_F(ImapSessionTest, GreetingCarriesCapabilities) {
    EXPECT_EQ(greeting_.rfind("* OK [CAPABILITY IMAP4rev1 ", 0), 0u);
    EXPECT_NE(greeting_.find("AUTH=PLAIN"), std::string::npos);
}

TEST_F(ImapSessionTest, StateGating) {
    EXPECT_EQ(say("a SELECT INBOX\r\n"), "a BAD SELECT is not allowed now: log in first\r\n");
    login();
    EXPECT_EQ(say("b FETCH 1 FLAGS\r\n"), "b BAD FETCH is not allowed now: select a mailbox first\r\n");
    EXPECT_EQ(say("c LOGIN alice secret\r\n"), "c BAD LOGIN is not allowed now: already logged in\r\n");
    EXPECT_EQ(say("d FROB\r\n"), "d BAD Unknown command FROB\r\n");
}

TEST_F(ImapSessionTest, LoginFailuresLookTheSame) {
    std::string wrong = say("a LOGIN alice wrong\r\n");
    std::string unknown = say("a LOGIN nobody secret\r\n");
    EXPECT_EQ(wrong, "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
    EXPECT_EQ(wrong, unknown);
}

TEST_F(ImapSessionTest, SelectResponses) {
    deliver("Subject: one\r\n\r\nx\r\n");
    deliver("Subject: two\r\n\r\ny\r\n");
    login();
    auto mailbox = store_->find_mailbox(alice_, "INBOX");
    std::string out = say("s SELECT inbox\r\n");
    EXPECT_EQ(out,
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted\r\n"
              "* 2 EXISTS\r\n* 2 RECENT\r\n* OK [UNSEEN 1] First unseen\r\n"
              "* OK [UIDVALIDITY " +
                  std::to_string(mailbox->uidvalidity) +
                  "] UIDs valid\r\n"
                  "* OK [UIDNEXT 3] Predicted next UID\r\n"
                  "s OK [READ-WRITE] SELECT completed\r\n");
    // \Recent went to this session: another one sees none.
    auto other = make_session();
    other->feed("l LOGIN alice secret\r\ns SELECT INBOX\r\n");
    EXPECT_NE(other->take_output().find("* 0 RECENT"), std::string::npos);
}

TEST_F(ImapSessionTest, AppendWithSynchronizingLiteral) {
    login();
    EXPECT_EQ(say("a APPEND Drafts (\\Draft) {24}\r\n"), "+ Ready for literal data\r\n");
    std::string out = say("Subject: draft\r\n\r\nbody\r\n\r\n");
    EXPECT_EQ(out.rfind("a OK [APPENDUID ", 0), 0u) << out;
    auto drafts = store_->find_mailbox(alice_, "Drafts");
    EXPECT_EQ(store_->read_message(drafts->id, 1), "Subject: draft\r\n\r\nbody\r\n");
    EXPECT_EQ(store_->list_messages(drafts->id)[0].flags, store::flag_draft);
}

TEST_F(ImapSessionTest, PipelinedCommandsAnsweredInOrder) {
    deliver("Subject: one\r\n\r\nx\r\n");
    std::string out = say("1 LOGIN alice secret\r\n2 SELECT INBOX\r\n3 FETCH 1 (FLAGS)\r\n4 LOGOUT\r\n");
    auto p1 = out.find("1 OK"), p2 = out.find("2 OK"), p3 = out.find("3 OK"), p4 = out.find("4 OK");
    ASSERT_NE(p4, std::string::npos) << out;
    EXPECT_LT(p1, p2);
    EXPECT_LT(p2, p3);
    EXPECT_LT(p3, p4);
    EXPECT_NE(out.find("* 1 FETCH (FLAGS (\\Recent))"), std::string::npos);
    EXPECT_NE(out.find("* BYE"), std::string::npos);
    EXPECT_TRUE(session_->wants_close());
}

TEST_F(ImapSessionTest, ExpungeIsHeldBackDuringFetchStoreSearch) {
    deliver("Subject: one\r\n\r\nx\r\n");
    deliver("Subject: two\r\n\r\ny\r\n");
    login();
    say("s SELECT INBOX\r\n");
    auto box = store_->find_mailbox(alice_, "INBOX")->id;
    store_->set_flags(box, 1, store::flag_deleted);
    store_->expunge(box);  // another session expunges message 1
    std::string fetch = say("f FETCH 1:* (UID)\r\n");
    EXPECT_EQ(fetch.find("EXPUNGE"), std::string::npos) << fetch;
    std::string search = say("g SEARCH ALL\r\n");
    EXPECT_EQ(search.find("EXPUNGE"), std::string::npos) << search;
    std::string noop = say("n NOOP\r\n");
    EXPECT_NE(noop.find("* 1 EXPUNGE"), std::string::npos) << noop;
    EXPECT_EQ(say("h SEARCH ALL\r\n"), "* SEARCH 1\r\nh OK SEARCH completed\r\n");
}

TEST_F(ImapSessionTest, ChangesByOthersBeforeOurOwnAreStillReported) {
    // Our own STORE or EXPUNGE lets the session skip re-reading the mailbox only when nothing
    // else changed it since the session last looked.
    deliver("Subject: one\r\n\r\nx\r\n");
    deliver("Subject: two\r\n\r\ny\r\n");
    deliver("Subject: three\r\n\r\nz\r\n");
    login();
    say("s SELECT INBOX\r\n");
    auto box = store_->find_mailbox(alice_, "INBOX")->id;
    store_->set_flags(box, 1, store::flag_flagged);  // another session
    std::string store = say("a UID STORE 2 +FLAGS.SILENT (\\Seen)\r\n");
    EXPECT_NE(store.find("* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))"), std::string::npos) << store;
    EXPECT_EQ(say("n NOOP\r\n"), "n OK NOOP completed\r\n");

    EXPECT_EQ(say("b STORE 2 +FLAGS.SILENT (\\Deleted)\r\n"), "b OK STORE completed\r\n");
    store_->set_flags(box, 3, store::flag_answered);  // another session, then our expunge
    EXPECT_EQ(say("c EXPUNGE\r\n"),
              "* 2 EXPUNGE\r\n* 2 FETCH (UID 3 FLAGS (\\Answered \\Recent))\r\nc OK EXPUNGE completed\r\n");
    EXPECT_EQ(say("n NOOP\r\n"), "n OK NOOP completed\r\n");
    EXPECT_EQ(say("f FETCH 1:* (UID FLAGS)\r\n"),
              "* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))\r\n* 2 FETCH (UID 3 FLAGS (\\Answered \\Recent))\r\n"
              "f OK FETCH completed\r\n");
}

TEST_F(ImapSessionTest, NewMailIsReportedAtTheNextCommand) {
    login();
    say("s SELECT INBOX\r\n");
    deliver("Subject: new\r\n\r\nx\r\n");
    EXPECT_EQ(say("n NOOP\r\n"), "* 1 EXISTS\r\n* 1 RECENT\r\nn OK NOOP completed\r\n");
}

TEST_F(ImapSessionTest, IdleReportsOnWakeAndEndsWithDone) {
    login();
    say("s SELECT INBOX\r\n");
    EXPECT_EQ(say("i IDLE\r\n"), "+ idling\r\n");
    deliver("Subject: new\r\n\r\nx\r\n");
    session_->on_wake();
    EXPECT_EQ(session_->take_output(), "* 1 EXISTS\r\n* 1 RECENT\r\n");
    EXPECT_EQ(say("DONE\r\n"), "i OK IDLE terminated\r\n");
}

TEST_F(ImapSessionTest, AuthenticatePlainWithAndWithoutInitialResponse) {
    EXPECT_EQ(say("a AUTHENTICATE PLAIN\r\n"), "+ \r\n");
    std::string out = say("AGFsaWNlAHNlY3JldA==\r\n");
    EXPECT_EQ(out.rfind("a OK [CAPABILITY", 0), 0u) << out;
    session_ = make_session();
    out = say("b AUTHENTICATE PLAIN AGFsaWNlAHdyb25n\r\n");
    EXPECT_EQ(out, "b NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
    EXPECT_EQ(say("c AUTHENTICATE PLAIN\r\n*\r\n"), "+ \r\nc BAD Authentication cancelled\r\n");
}

TEST_F(ImapSessionTest, TooManyBadCommandsCloseTheSession) {
    std::string out = say("1 A\r\n2 B\r\n3 C\r\n4 D\r\n5 E\r\n6 F\r\n");
    EXPECT_NE(out.find("* BYE Too many errors"), std::string::npos);
    EXPECT_EQ(out.find("6 BAD"), std::string::npos);
    EXPECT_TRUE(session_->wants_close());
}

TEST_F(ImapSessionTest, TimeoutAndShutdownSayBye) {
    session_->on_timeout();
    EXPECT_EQ(session_->take_output(), "* BYE Autologout; idle for too long\r\n");
    session_ = make_session();
    session_->on_shutdown();
    EXPECT_EQ(session_->take_output(), "* BYE Server shutting down\r\n");
}

TEST_F(ImapSessionTest, StoreAndSilentStore) {
    deliver("Subject: one\r\n\r\nx\r\n");
    login();
    say("s SELECT INBOX\r\n");
    EXPECT_EQ(say("a STORE 1 +FLAGS (\\Seen $Work)\r\n"),
              "* 1 FETCH (FLAGS (\\Seen \\Recent $Work))\r\na OK STORE completed\r\n");
    EXPECT_EQ(say("b UID STORE 1 -FLAGS.SILENT ($Work)\r\n"), "b OK STORE completed\r\n");
    EXPECT_EQ(say("c STORE 2 +FLAGS (\\Seen)\r\n"), "c BAD Invalid message sequence number 2 (mailbox has 1)\r\n");
}

TEST_F(ImapSessionTest, FetchResponseCarriesEveryItemInOrder) {
    deliver("Subject: one\r\n\r\nhello world\r\n");
    login();
    say("s SELECT INBOX\r\n");
    // A missing part is NIL, a partial section is a literal named by its origin, items in order.
    EXPECT_EQ(say("f UID FETCH 1 (FLAGS RFC822.SIZE BODY.PEEK[2] BODY.PEEK[TEXT]<6.5>)\r\n"),
              "* 1 FETCH (UID 1 FLAGS (\\Recent) RFC822.SIZE 29 BODY[2] NIL BODY[TEXT]<6> {5}\r\nworld)\r\n"
              "f OK UID FETCH completed\r\n");
}

TEST_F(ImapSessionTest, ALongResponseGoesToTheClientWhileItIsBuilt) {
    const std::string body(40 * 1024, 'x');
    for (int i = 0; i < 3; ++i) deliver("Subject: big " + std::to_string(i) + "\r\n\r\n" + body + "\r\n");
    std::vector<std::string> written;  // what the core would have written mid-command
    maild::ConnectionInfo info;
    info.id = 2;
    info.peer_address = "127.0.0.1";
    info.write_now = [&](std::string_view bytes) {
        written.emplace_back(bytes);
        return true;
    };
    imap::ImapSession streaming(config_, *store_, nullptr, info);
    streaming.start();
    std::string streamed = streaming.take_output();
    // EXAMINE: both sessions see the same \Recent.
    const std::string commands = "l LOGIN alice secret\r\ns EXAMINE INBOX\r\nf FETCH 1:* (UID BODY.PEEK[])\r\n";
    streaming.feed(commands);
    for (const auto& chunk : written) {
        EXPECT_GE(chunk.size(), 64u * 1024);
        streamed += chunk;
    }
    const std::string rest = streaming.take_output();
    streamed += rest;

    EXPECT_EQ(written.size(), 1u);  // 120 KiB of response: one early write of 64 KiB and more
    EXPECT_NE(rest.find("f OK FETCH completed"), std::string::npos);  // the completion comes last
    EXPECT_EQ(streamed, greeting_ + say(commands));                   // byte for byte what a session without it says
}

TEST_F(ImapSessionTest, AStreamedFetchHoldsNoSnapshotWhileTheClientReads) {
    const std::string body(40 * 1024, 'x');
    for (int i = 0; i < 3; ++i) deliver("Subject: big " + std::to_string(i) + "\r\n\r\n" + body + "\r\n");
    const store::MailboxId inbox = store_->find_mailbox(alice_, "INBOX")->id;
    int writes = 0;
    maild::ConnectionInfo info;
    info.id = 2;
    info.peer_address = "127.0.0.1";
    info.write_now = [&](std::string_view) {
        if (++writes == 1) {  // while the client reads the first 64 KiB, another session expunges message 3
            store_->set_flags(inbox, 3, store::flag_deleted);
            store_->expunge(inbox);
        }
        return true;
    };
    imap::ImapSession streaming(config_, *store_, nullptr, info);
    streaming.start();
    streaming.feed("l LOGIN alice secret\r\ns SELECT INBOX\r\nf FETCH 1:3 (BODY.PEEK[])\r\n");
    const std::string rest = streaming.take_output();
    EXPECT_EQ(writes, 1);
    // Read after the write, message 3 came from a fresh snapshot, in which it is gone; a snapshot
    // held across the write would still have served it.
    EXPECT_EQ(rest.find("* 3 FETCH"), std::string::npos);
    EXPECT_NE(rest.find("f NO [EXPUNGEISSUED]"), std::string::npos) << rest.substr(rest.size() - 200);
}

TEST_F(ImapSessionTest, AFetchStopsOnceItsClientIsGone) {
    const std::string body(40 * 1024, 'x');
    for (int i = 0; i < 3; ++i) deliver("Subject: big " + std::to_string(i) + "\r\n\r\n" + body + "\r\n");
    int writes = 0;
    maild::ConnectionInfo info;
    info.id = 2;
    info.peer_address = "127.0.0.1";
    info.write_now = [&](std::string_view) {
        ++writes;
        return false;  // the peer reset the connection
    };
    imap::ImapSession streaming(config_, *store_, nullptr, info);
    streaming.start();
    streaming.feed("l LOGIN alice secret\r\ns SELECT INBOX\r\nf FETCH 1:3 (BODY.PEEK[])\r\n");
    EXPECT_EQ(writes, 1);  // after messages 1 and 2
    EXPECT_EQ(streaming.take_output().find("* 3 FETCH"), std::string::npos);
}

TEST_F(ImapSessionTest, HeaderSearchReadsHeadersOfEverySizeButNotBodies) {
    std::string filler;
    while (filler.size() < 10000) filler += "X-Filler: " + std::string(60, 'f') + "\r\n";  // past the first read
    deliver(filler + "Subject: far down\r\n\r\n" + std::string(200000, 'b') + "\r\n");
    deliver("Subject: short\r\n\r\nfar down, but in the body\r\n");
    deliver(filler + "Subject: far down, and no body\r\n");  // no blank line at all
    deliver("Subject: =?utf-8?Q?far_down?=\r\n\r\n\r\n");
    login();
    say("s SELECT INBOX\r\n");
    EXPECT_EQ(say("a SEARCH SUBJECT \"far down\"\r\n"), "* SEARCH 1 3 4\r\na OK SEARCH completed\r\n");
    EXPECT_EQ(say("b SEARCH HEADER X-Filler ffff SUBJECT down\r\n"), "* SEARCH 1 3\r\nb OK SEARCH completed\r\n");
    EXPECT_EQ(say("c SEARCH TEXT \"far down\"\r\n"), "* SEARCH 1 2 3 4\r\nc OK SEARCH completed\r\n");
}

TEST_F(ImapSessionTest, ReadOnlyExamine) {
    deliver("Subject: one\r\n\r\nx\r\n");
    login();
    std::string out = say("e EXAMINE INBOX\r\n");
    EXPECT_NE(out.find("e OK [READ-ONLY]"), std::string::npos);
    EXPECT_EQ(say("a STORE 1 +FLAGS (\\Seen)\r\n"), "a NO [READ-ONLY] Mailbox is read-only\r\n");
    say("f FETCH 1 BODY[]\r\n");
    EXPECT_EQ(store_->list_messages(store_->find_mailbox(alice_, "INBOX")->id)[0].flags, 0u);  // no \Seen
}

TEST_F(ImapSessionTest, DeepNestingIsRefusedNotOverflowed) {
    deliver("Subject: one\r\n\r\nx\r\n");
    login();
    say("s SELECT INBOX\r\n");
    std::string deep = "d SEARCH " + std::string(100000, '(') + "ALL" + std::string(100000, ')') + "\r\n";
    config_.max_line_bytes = 1 << 20;
    session_ = make_session();
    say("l LOGIN alice secret\r\ns SELECT INBOX\r\n");
    std::string out = say(deep);
    EXPECT_EQ(out.rfind("d BAD", 0), 0u) << out.substr(0, 200);
    EXPECT_EQ(say("n NOOP\r\n"), "n OK NOOP completed\r\n");
}

}  // namespace
