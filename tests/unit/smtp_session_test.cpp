#include "smtpd/smtp_session.hpp"

#include <gtest/gtest.h>

#include <cctype>

#include "tests/unit/fake_mail_drop.hpp"

namespace {

using namespace smtp;
using smtp::testing::FakeMailDrop;

class SmtpSessionTest : public ::testing::Test {
protected:
    SmtpSessionTest()
        : drop({"alice@example.test", "bob@example.test", "postmaster@example.test", "j\xc3\xb6rg@example.test"}) {
        config.hostname = "mx.example.test";
        config.domains = {"example.test", "example.org"};
        config.postmaster = "postmaster@example.test";
        config.max_message_bytes = 1000;
        config.max_recipients = 3;
        config.max_line_bytes = 100;
        config.max_errors = 50;
        restart();
    }

    void restart() {
        maild::ConnectionInfo info;
        info.id = 7;
        info.peer_address = "192.0.2.9";
        SessionEnv env{[this] { return "QID" + std::to_string(++ids); }, [] { return std::time_t{1795000000}; }};
        session = std::make_unique<SmtpSession>(config, drop, info, env);
        session->start();
        greeting = session->take_output();
    }

    /// Feeds bytes, returns everything the session answered.
    std::string say(std::string_view bytes) {
        session->feed(bytes);
        return session->take_output();
    }

    /// The reply codes in an output block, one per final reply line.
    static std::vector<int> codes(const std::string& output) {
        std::vector<int> result;
        std::size_t start = 0;
        while (start < output.size()) {
            std::size_t end = output.find("\r\n", start);
            if (end == std::string::npos) break;
            if (end - start >= 4 && output[start + 3] == ' ') result.push_back(std::stoi(output.substr(start, 3)));
            start = end + 2;
        }
        return result;
    }

    int code(std::string_view line) {
        auto c = codes(say(std::string(line) + "\r\n"));
        return c.size() == 1 ? c[0] : -static_cast<int>(c.size());
    }

    void ehlo() { ASSERT_EQ(code("EHLO client.example.net"), 250); }

    void transaction(std::string_view rcpt = "alice@example.test") {
        ehlo();
        ASSERT_EQ(code("MAIL FROM:<sender@example.net>"), 250);
        ASSERT_EQ(code("RCPT TO:<" + std::string(rcpt) + ">"), 250);
        ASSERT_EQ(code("DATA"), 354);
    }

    SmtpConfig config;
    FakeMailDrop drop;
    int ids = 0;
    std::unique_ptr<SmtpSession> session;
    std::string greeting;
};

TEST_F(SmtpSessionTest, GreetingNamesTheHost) { EXPECT_EQ(greeting, "220 mx.example.test ESMTP maild\r\n"); }

TEST_F(SmtpSessionTest, EhloAdvertisesTheExtensions) {
    std::string out = say("EHLO client.example.net\r\n");
    EXPECT_EQ(out,
              "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
              "250-SMTPUTF8\r\n250 HELP\r\n");
}

TEST_F(SmtpSessionTest, HeloAndEhloNeedAnArgument) {
    EXPECT_EQ(say("EHLO\r\n"), "501 5.5.4 Syntax: EHLO hostname\r\n");
    EXPECT_EQ(say("HELO\r\n"), "501 5.5.4 Syntax: HELO hostname\r\n");
    EXPECT_EQ(say("HELO client\r\n"), "250 mx.example.test\r\n");
}

TEST_F(SmtpSessionTest, DeliversWithTraceHeadersAndQueueId) {
    transaction();
    std::string out = say("Subject: hi\r\n\r\nhello\r\n.\r\n");
    EXPECT_EQ(out, "250 2.0.0 Ok: queued as QID1\r\n");
    ASSERT_EQ(drop.dropped.size(), 1u);
    EXPECT_EQ(drop.dropped[0].mailboxes, std::vector<std::string>{"alice@example.test"});
    EXPECT_EQ(drop.dropped[0].message,
              "Return-Path: <sender@example.net>\r\n"
              "Received: from client.example.net (unknown [192.0.2.9])\r\n"
              "\tby mx.example.test (maild) with ESMTP id QID1\r\n"
              "\tfor <alice@example.test>; Wed, 18 Nov 2026 11:06:40 +0000\r\n"
              "Subject: hi\r\n\r\nhello\r\n");
}

TEST_F(SmtpSessionTest, SeveralRecipientsOneDropNoForClause) {
    ehlo();
    std::string out =
        say("MAIL FROM:<>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<Bob@Example.TEST>\r\n"
            "RCPT TO:<alice@example.test>\r\nDATA\r\nx\r\n.\r\n");
    EXPECT_EQ(codes(out), (std::vector<int>{250, 250, 250, 250, 354, 250}));
    ASSERT_EQ(drop.dropped.size(), 1u);
    // Duplicates collapse to one copy per mailbox.
    EXPECT_EQ(drop.dropped[0].mailboxes, (std::vector<std::string>{"Bob@example.test", "alice@example.test"}));
    EXPECT_EQ(drop.dropped[0].message.rfind("Return-Path: <>\r\n", 0), 0u);
    EXPECT_EQ(drop.dropped[0].message.find("\tfor <"), std::string::npos);
}

TEST_F(SmtpSessionTest, HeloSessionsAreMarkedSmtp) {
    ASSERT_EQ(code("HELO old.example"), 250);
    say("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nx\r\n.\r\n");
    ASSERT_EQ(drop.dropped.size(), 1u);
    EXPECT_NE(drop.dropped[0].message.find("with SMTP id"), std::string::npos);
}

TEST_F(SmtpSessionTest, WrongOrderGets503) {
    EXPECT_EQ(say("MAIL FROM:<a@b.example>\r\n"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
    ehlo();
    EXPECT_EQ(say("RCPT TO:<alice@example.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
    EXPECT_EQ(say("DATA\r\n"), "503 5.5.1 Error: need RCPT command\r\n");
    EXPECT_EQ(code("MAIL FROM:<a@b.example>"), 250);
    EXPECT_EQ(say("MAIL FROM:<a@b.example>\r\n"), "503 5.5.1 Error: nested MAIL command\r\n");
    EXPECT_EQ(say("DATA\r\n"), "554 5.5.1 Error: no valid recipients\r\n");
}

TEST_F(SmtpSessionTest, SyntaxErrorsGet501) {
    ehlo();
    EXPECT_EQ(code("MAIL FROM:<unterminated"), 501);
    EXPECT_EQ(code("MAIL TO:<a@b.example>"), 501);
    EXPECT_EQ(code("MAIL FROM:<no-domain>"), 501);
    EXPECT_EQ(code("MAIL FROM:<a@b.example>"), 250);
    EXPECT_EQ(say("RCPT TO:<no-domain>\r\n"), "501 5.1.3 <no-domain>: Bad recipient address syntax\r\n");
    EXPECT_EQ(code("RCPT TO:<>"), 501);
    EXPECT_EQ(code("RCPT TO:<a b@example.test>"), 501);
    EXPECT_EQ(code("RCPT alice@example.test"), 501);
    EXPECT_EQ(code("RCPT TO:<alice@example.test>"), 250);
    EXPECT_EQ(say("DATA now\r\n"), "501 5.5.4 Syntax: DATA\r\n");
    EXPECT_EQ(say("RSET now\r\n"), "501 5.5.4 Syntax: RSET\r\n");
    EXPECT_EQ(say("VRFY\r\n"), "501 5.5.4 Syntax: VRFY address\r\n");
}

TEST_F(SmtpSessionTest, MailParameters) {
    ehlo();
    EXPECT_EQ(say("MAIL FROM:<a@b.example> SIZE=1001\r\n"), "552 5.3.4 Message size exceeds fixed limit\r\n");
    EXPECT_EQ(say("MAIL FROM:<a@b.example> SIZE=99999999999999999999999\r\n"),
              "552 5.3.4 Message size exceeds fixed limit\r\n");
    EXPECT_EQ(say("MAIL FROM:<a@b.example> SIZE=12x\r\n"), "501 5.5.4 Bad SIZE parameter\r\n");
    EXPECT_EQ(say("MAIL FROM:<a@b.example> BODY=BINARYMIME\r\n"), "501 5.5.4 Unsupported BODY type\r\n");
    EXPECT_EQ(say("MAIL FROM:<a@b.example> FOO=BAR\r\n"), "555 5.5.4 Unsupported option: FOO\r\n");
    EXPECT_EQ(say("MAIL FROM:<a@b.example> SMTPUTF8=yes\r\n"), "501 5.5.4 SMTPUTF8 takes no value\r\n");
    EXPECT_EQ(code("MAIL FROM:<> SIZE=1000 BODY=8BITMIME AUTH=<>"), 250);
    EXPECT_EQ(say("RCPT TO:<alice@example.test> NOTIFY=NEVER\r\n"), "555 5.5.4 Unsupported option: NOTIFY\r\n");
}

TEST_F(SmtpSessionTest, ParametersNeedEhlo) {
    ASSERT_EQ(code("HELO old.example"), 250);
    EXPECT_EQ(code("MAIL FROM:<a@b.example> SIZE=10"), 555);
    EXPECT_EQ(code("MAIL FROM:<a@b.example>"), 250);
}

TEST_F(SmtpSessionTest, RecipientPolicy) {
    ehlo();
    ASSERT_EQ(code("MAIL FROM:<a@b.example>"), 250);
    EXPECT_EQ(say("RCPT TO:<someone@elsewhere.example>\r\n"),
              "550 5.7.1 <someone@elsewhere.example>: Relay access denied\r\n");
    EXPECT_EQ(say("RCPT TO:<nobody@example.test>\r\n"),
              "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in local recipient table\r\n");
    EXPECT_EQ(code("RCPT TO:<alice@EXAMPLE.test>"), 250);
    EXPECT_EQ(code("RCPT TO:<PostMaster>"), 250);
    EXPECT_EQ(code("RCPT TO:<postmaster@example.org>"), 250);
    EXPECT_EQ(say("RCPT TO:<bob@example.test>\r\n"), "452 4.5.3 Error: too many recipients\r\n");
    EXPECT_EQ(code("DATA"), 354);
    EXPECT_EQ(code("x\r\n."), 250);
    ASSERT_EQ(drop.dropped.size(), 1u);
    EXPECT_EQ(drop.dropped[0].mailboxes, (std::vector<std::string>{"alice@example.test", "postmaster@example.test"}));
}

TEST_F(SmtpSessionTest, NeverARelayEvenWithTricks) {
    ehlo();
    ASSERT_EQ(code("MAIL FROM:<a@b.example>"), 250);
    for (const char* rcpt : {"<alice@example.test@evil.example>", "<@example.test:victim@evil.example>",
                             "<alice%evil.example@elsewhere.example>", "<victim@evil.example.>", "<victim@[192.0.2.1]>",
                             "<\"alice@example.test\"@evil.example>"}) {
        int c = code("RCPT TO:" + std::string(rcpt));
        EXPECT_TRUE(c == 550 || c == 501) << rcpt << " got " << c;
    }
    EXPECT_EQ(code("DATA"), 554);
}

TEST_F(SmtpSessionTest, LookupFailureIsTemporary) {
    ehlo();
    drop.lookup_fails = true;
    ASSERT_EQ(code("MAIL FROM:<a@b.example>"), 250);
    EXPECT_EQ(say("RCPT TO:<alice@example.test>\r\n"),
              "451 4.3.0 <alice@example.test>: Temporary lookup failure, try again later\r\n");
}

TEST_F(SmtpSessionTest, DropFailuresAreTemporaryAndNothingIsAcknowledged) {
    drop.drop_status = DropResult::Status::temporary_failure;
    transaction();
    EXPECT_EQ(say("x\r\n.\r\n"), "451 4.3.0 Error: local delivery failed, try again later\r\n");
    drop.drop_status = DropResult::Status::no_space;
    ASSERT_EQ(code("MAIL FROM:<a@b.example>"), 250);
    ASSERT_EQ(code("RCPT TO:<alice@example.test>"), 250);
    ASSERT_EQ(code("DATA"), 354);
    EXPECT_EQ(say("x\r\n.\r\n"), "452 4.3.1 Error: insufficient system storage\r\n");
    EXPECT_TRUE(drop.dropped.empty());
}

TEST_F(SmtpSessionTest, OversizedMessageGets552AndTheSessionGoesOn) {
    transaction();
    std::string big(600, 'x');
    EXPECT_EQ(say(big + "\r\n" + big + "\r\n.\r\n"), "552 5.3.4 Error: message file too big\r\n");
    EXPECT_TRUE(drop.dropped.empty());
    EXPECT_EQ(code("MAIL FROM:<a@b.example>"), 250);  // the transaction was reset
}

TEST_F(SmtpSessionTest, Smtputf8) {
    ehlo();
    EXPECT_EQ(say("MAIL FROM:<j\xc3\xb6rg@b.example>\r\n"),
              "553 5.6.7 Must declare SMTPUTF8 to send unicode address\r\n");
    ASSERT_EQ(code("MAIL FROM:<a@b.example>"), 250);
    EXPECT_EQ(code("RCPT TO:<j\xc3\xb6rg@example.test>"), 553);
    ASSERT_EQ(code("RSET"), 250);
    ASSERT_EQ(code("MAIL FROM:<j\xc3\xb6rg@b.example> SMTPUTF8"), 250);
    EXPECT_EQ(code("RCPT TO:<j\xc3\xb6rg@example.test>"), 250);
    EXPECT_EQ(code("RCPT TO:<j\xc3@example.test>"), 501);
    ASSERT_EQ(code("DATA"), 354);
    ASSERT_EQ(code("x\r\n."), 250);
    EXPECT_NE(drop.dropped.at(0).message.find("with UTF8SMTP id"), std::string::npos);
}

TEST_F(SmtpSessionTest, SimpleCommands) {
    EXPECT_EQ(say("NOOP\r\n"), "250 2.0.0 Ok\r\n");
    EXPECT_EQ(say("RSET\r\n"), "250 2.0.0 Ok\r\n");
    EXPECT_EQ(say("VRFY alice\r\n"), "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n");
    EXPECT_EQ(say("EXPN staff\r\n"), "502 5.5.1 Error: command not implemented\r\n");
    EXPECT_EQ(codes(say("HELP\r\n")), std::vector<int>{214});
    EXPECT_EQ(say("STARTTLS\r\n"), "502 5.5.1 Error: command not implemented\r\n");
    EXPECT_EQ(say("AUTH PLAIN\r\n"), "503 5.5.1 Error: authentication not enabled\r\n");
    EXPECT_EQ(say("FOOBAR\r\n"), "500 5.5.2 Error: command not recognized\r\n");
    EXPECT_EQ(say("\r\n"), "500 5.5.2 Error: bad syntax\r\n");
    EXPECT_EQ(say("quit\r\n"), "221 2.0.0 Bye\r\n");
    EXPECT_TRUE(session->wants_close());
    EXPECT_EQ(say("NOOP\r\n"), "");  // nothing after QUIT
}

TEST_F(SmtpSessionTest, RsetAbortsTheTransaction) {
    ehlo();
    ASSERT_EQ(code("MAIL FROM:<a@b.example>"), 250);
    ASSERT_EQ(code("RCPT TO:<alice@example.test>"), 250);
    ASSERT_EQ(code("RSET"), 250);
    EXPECT_EQ(code("DATA"), 503);
    EXPECT_EQ(code("MAIL FROM:<a@b.example>"), 250);
}

TEST_F(SmtpSessionTest, EhloResetsTheTransaction) {
    ehlo();
    ASSERT_EQ(code("MAIL FROM:<a@b.example>"), 250);
    ehlo();
    EXPECT_EQ(code("MAIL FROM:<a@b.example>"), 250);
}

TEST_F(SmtpSessionTest, OverlongLineGets500AndTheSessionContinues) {
    EXPECT_EQ(say("NOOP " + std::string(5000, 'x') + "\r\n"), "500 5.5.2 Error: line too long\r\n");
    EXPECT_EQ(say("NOOP\r\n"), "250 2.0.0 Ok\r\n");
}

TEST_F(SmtpSessionTest, NulInACommand) {
    EXPECT_EQ(say(std::string("NO\0OP\r\n", 7)), "500 5.5.2 Error: NUL character in command\r\n");
    EXPECT_EQ(say("NOOP\r\n"), "250 2.0.0 Ok\r\n");
}

TEST_F(SmtpSessionTest, BareLfCommandLinesAreAccepted) { EXPECT_EQ(say("NOOP\n"), "250 2.0.0 Ok\r\n"); }

TEST_F(SmtpSessionTest, PipelinedCommandsAndDataInOnePacket) {
    std::string out = say(
        "EHLO c.example\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<x@nowhere.example>\r\n"
        "RCPT TO:<bob@example.test>\r\nDATA\r\nSubject: p\r\n\r\npipelined\r\n.\r\nNOOP\r\nQUIT\r\nNOOP\r\n");
    EXPECT_EQ(codes(out), (std::vector<int>{250, 250, 250, 550, 250, 354, 250, 250, 221}));
    ASSERT_EQ(drop.dropped.size(), 1u);
    EXPECT_TRUE(session->wants_close());
}

TEST_F(SmtpSessionTest, EverySplitOfAPipelinedConversationGivesTheSameAnswers) {
    const std::string conversation =
        "EHLO c.example\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
        "Subject: s\r\n\r\n..dot\r\nbare\n.\nlf\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
        "two\r\n.\r\nQUIT\r\n";
    const std::string expected = say(conversation);
    const auto expected_drops = drop.dropped;
    ASSERT_EQ(expected_drops.size(), 2u);
    for (std::size_t split = 1; split < conversation.size(); ++split) {
        drop.dropped.clear();
        ids = 0;
        restart();
        std::string out = say(std::string_view(conversation).substr(0, split));
        out += say(std::string_view(conversation).substr(split));
        ASSERT_EQ(out, expected) << "split at " << split;
        ASSERT_EQ(drop.dropped.size(), 2u) << split;
        EXPECT_EQ(drop.dropped[0].message, expected_drops[0].message) << split;
        EXPECT_EQ(drop.dropped[1].message, expected_drops[1].message) << split;
    }
}

TEST_F(SmtpSessionTest, SmugglingAttemptStaysInsideOneMessage) {
    transaction();
    std::string out =
        say("Subject: outer\r\n\r\nbefore\n.\nMAIL FROM:<admin@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
            "Subject: smuggled\r\n\r\nevil\r\n.\r\n");
    EXPECT_EQ(out, "250 2.0.0 Ok: queued as QID1\r\n");
    ASSERT_EQ(drop.dropped.size(), 1u);
    EXPECT_EQ(drop.dropped[0].mailboxes, std::vector<std::string>{"alice@example.test"});
    EXPECT_NE(drop.dropped[0].message.find("Subject: smuggled"), std::string::npos);
}

TEST_F(SmtpSessionTest, TooManyErrorsCloseTheSession) {
    config.max_errors = 3;
    restart();
    EXPECT_EQ(codes(say("A\r\nB\r\nC\r\nD\r\n")), (std::vector<int>{500, 500, 500, 421}));
    EXPECT_TRUE(session->wants_close());
}

TEST_F(SmtpSessionTest, TimeoutAndShutdownSay421) {
    session->on_timeout();
    EXPECT_EQ(session->take_output(), "421 4.4.2 mx.example.test Error: timeout exceeded\r\n");
    EXPECT_TRUE(session->wants_close());
    restart();
    transaction();
    say("half a message");
    session->on_shutdown();
    EXPECT_EQ(session->take_output(),
              "421 4.3.2 mx.example.test Service shutting down, closing transmission channel\r\n");
    EXPECT_TRUE(drop.dropped.empty());
}

TEST_F(SmtpSessionTest, WebRequestsAreHungUpOn) {
    std::string out = say("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(codes(out), std::vector<int>{221});
    EXPECT_TRUE(session->wants_close());
}

TEST_F(SmtpSessionTest, EveryReplyCarriesAnEnhancedCodeExceptGreetingEhloAnd354) {
    // "ddd[ -]d.d{1,3}.d{1,3} text", without std::regex (which trips GCC warnings under sanitizers).
    auto with_code = [](const std::string& line) {
        auto digits = [&](std::size_t& i, std::size_t min, std::size_t max) {
            std::size_t start = i;
            while (i < line.size() && i - start < max && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
            return i - start >= min;
        };
        std::size_t i = 0;
        if (!digits(i, 3, 3) || i >= line.size() || (line[i] != ' ' && line[i] != '-')) return false;
        ++i;
        if (!digits(i, 1, 1) || i >= line.size() || line[i++] != '.') return false;
        if (!digits(i, 1, 3) || i >= line.size() || line[i++] != '.') return false;
        return digits(i, 1, 3) && i < line.size() && line[i] == ' ';
    };
    std::string out =
        say("HELO x\r\nNOOP\r\nRSET\r\nVRFY a\r\nEXPN a\r\nHELP\r\nFOO\r\nMAIL FROM:<a@b.example>\r\n"
            "RCPT TO:<x@y.example>\r\nRCPT TO:<no@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA 1\r\nQUIT\r\n");
    std::size_t start = out.find("\r\n") + 2;  // skip the HELO reply
    while (start < out.size()) {
        std::size_t end = out.find("\r\n", start);
        std::string line = out.substr(start, end - start);
        EXPECT_TRUE(with_code(line)) << line;
        start = end + 2;
    }
}

TEST_F(SmtpSessionTest, FactoryBusyReply) {
    FakeMailDrop other({});
    SmtpSessionFactory factory(config, other);
    EXPECT_EQ(factory.busy_reply(), "421 4.7.0 mx.example.test Error: too many connections, try again later\r\n");
    auto s = factory.create(maild::ConnectionInfo{});
    s->start();
    EXPECT_EQ(s->take_output(), "220 mx.example.test ESMTP maild\r\n");
}

}  // namespace

namespace {

using namespace smtp;

class FakeLogins : public LoginChecker {
public:
    std::optional<std::string> check(std::string_view login, std::string_view password, const std::string&) override {
        ++calls;
        if (login == "alice" && password == "secret") return std::string("alice@example.test");
        return std::nullopt;
    }
    int calls = 0;
};

class SmtpAuthTest : public ::testing::Test {
protected:
    SmtpAuthTest() : drop({"alice@example.test", "bob@example.test"}) {
        config.hostname = "mx.example.test";
        config.domains = {"example.test"};
        config.max_auth_failures = 2;
    }
    void open(bool tls_available, bool tls = false, std::string role = "", std::string peer = "192.0.2.9",
              bool tls_required = false) {
        maild::ConnectionInfo info;
        info.peer_address = std::move(peer);
        info.tls_available = tls_available;
        info.tls = tls;
        info.tls_required = tls_required;
        info.role = std::move(role);
        session = std::make_unique<SmtpSession>(config, drop, info, SessionEnv::system(), &logins);
        session->start();
        session->take_output();
    }
    std::string say(std::string_view bytes) {
        session->feed(bytes);
        return session->take_output();
    }
    SmtpConfig config;
    smtp::testing::FakeMailDrop drop;
    FakeLogins logins;
    std::unique_ptr<SmtpSession> session;
};

TEST_F(SmtpAuthTest, StartTlsIsOfferedWithACertificateAndDropsInjectedCommands) {
    open(true);
    std::string ehlo = say("EHLO c.example\r\n");
    EXPECT_NE(ehlo.find("250-STARTTLS\r\n"), std::string::npos);
    EXPECT_EQ(ehlo.find("AUTH"), std::string::npos);  // not loopback, no TLS yet: no passwords
    EXPECT_EQ(say("STARTTLS\r\nMAIL FROM:<evil@example.net>\r\n"), "220 2.0.0 Ready to start TLS\r\n");
    EXPECT_TRUE(session->take_starttls_request());
    session->on_tls_started();
    EXPECT_EQ(say("MAIL FROM:<a@b.example>\r\n"), "503 5.5.1 Error: send HELO/EHLO first\r\n");  // state was reset
    std::string after = say("EHLO c.example\r\n");
    EXPECT_EQ(after.find("STARTTLS"), std::string::npos);
    EXPECT_NE(after.find("250-AUTH PLAIN LOGIN\r\n"), std::string::npos);
    EXPECT_EQ(say("STARTTLS\r\n"), "503 5.5.1 Error: TLS already active\r\n");
}

TEST_F(SmtpAuthTest, NoCertificateNoStartTls) {
    open(false);
    EXPECT_EQ(say("STARTTLS\r\n"), "502 5.5.1 Error: command not implemented\r\n");
}

TEST_F(SmtpAuthTest, AuthRefusedInClearFromTheNetwork) {
    open(true);
    say("EHLO c.example\r\n");
    EXPECT_EQ(say("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"),
              "538 5.7.11 Encryption required for requested authentication mechanism\r\n");
    EXPECT_EQ(logins.calls, 0);
}

TEST_F(SmtpAuthTest, AuthPlainAndLogin) {
    open(false, true);
    say("EHLO c.example\r\n");
    EXPECT_EQ(say("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"), "235 2.7.0 Authentication successful\r\n");
    EXPECT_EQ(say("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"), "503 5.5.1 Error: already authenticated\r\n");
    open(false, true);
    say("EHLO c.example\r\n");
    EXPECT_EQ(say("AUTH LOGIN\r\n"), "334 VXNlcm5hbWU6\r\n");
    EXPECT_EQ(say("YWxpY2U=\r\n"), "334 UGFzc3dvcmQ6\r\n");
    EXPECT_EQ(say("c2VjcmV0\r\n"), "235 2.7.0 Authentication successful\r\n");
    open(false, true);
    say("EHLO c.example\r\n");
    EXPECT_EQ(say("AUTH PLAIN\r\n"), "334 \r\n");
    EXPECT_EQ(say("*\r\n"), "501 5.0.0 Authentication cancelled\r\n");
    EXPECT_EQ(say("AUTH CRAM-MD5\r\n"), "504 5.5.4 Unrecognized authentication type\r\n");
}

TEST_F(SmtpAuthTest, FailuresAreCappedPerConnection) {
    open(false, true);
    say("EHLO c.example\r\n");
    EXPECT_EQ(say("AUTH PLAIN AGFsaWNlAHdyb25n\r\n"), "535 5.7.8 Authentication credentials invalid\r\n");
    std::string second = say("AUTH PLAIN AGFsaWNlAHdyb25n\r\n");
    EXPECT_NE(second.find("421 4.7.0"), std::string::npos);
    EXPECT_TRUE(session->wants_close());
}

TEST_F(SmtpAuthTest, SubmissionNeedsAuthAndOwnSenderAndLocalRecipients) {
    open(false, true, "submission");
    say("EHLO c.example\r\n");
    EXPECT_EQ(say("MAIL FROM:<alice@example.test>\r\n"), "530 5.7.0 Authentication required\r\n");
    say("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
    EXPECT_EQ(say("MAIL FROM:<bob@example.test>\r\n"),
              "553 5.7.1 <bob@example.test>: Sender address rejected: not owned by alice@example.test\r\n");
    EXPECT_EQ(say("MAIL FROM:<ALICE@example.test>\r\n"), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(say("RCPT TO:<someone@elsewhere.example>\r\n").substr(0, 10), "550 5.7.1 ");
    EXPECT_EQ(say("RCPT TO:<bob@example.test>\r\n"), "250 2.1.5 Ok\r\n");
    say("DATA\r\nSubject: hi\r\n\r\nx\r\n.\r\n");
    ASSERT_EQ(drop.dropped.size(), 1u);
    EXPECT_NE(drop.dropped[0].message.find("with ESMTPSA id"), std::string::npos);
}

TEST_F(SmtpAuthTest, StartTlsListenerRequiresTlsFirst) {
    open(true, false, "", "192.0.2.9", true);
    say("EHLO c.example\r\n");
    EXPECT_EQ(say("MAIL FROM:<a@b.example>\r\n"), "530 5.7.0 Must issue a STARTTLS command first\r\n");
}

TEST_F(SmtpAuthTest, LoopbackMayAuthenticateInClearByDefault) {
    open(false, false, "", "127.0.0.1");
    EXPECT_NE(say("EHLO c.example\r\n").find("AUTH PLAIN LOGIN"), std::string::npos);
    config.plaintext_auth = maild::PlaintextAuth::never;
    open(false, false, "", "127.0.0.1");
    EXPECT_EQ(say("EHLO c.example\r\n").find("AUTH"), std::string::npos);
}

}  // namespace
