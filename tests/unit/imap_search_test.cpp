#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "imapd/fetch_request.hpp"
#include "imapd/imap_date.hpp"
#include "imapd/search_program.hpp"

namespace {

using namespace imap;

struct Message {
    store::MessageInfo info;
    std::string raw;
    bool recent = false;
};

class SearchTest : public ::testing::Test {
protected:
    SearchTest() {
        add(1, store::flag_seen, 100, 1795000000,
            "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: Quarterly Report\r\n"
            "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nNumbers inside.\r\n");
        add(2, store::flag_flagged, 5000, 1795100000,
            "From: carol@example.org\r\nCc: alice@example.test\r\nSubject: lunch\r\nX-Tag: urgent\r\n"
            "Date: Wed, 25 Nov 2026 23:30:00 -0800\r\n\r\nPizza?\r\n",
            true);
        add(7, store::flag_deleted | store::flag_seen, 300, 1795200000,
            "From: dave@example.org\r\nSubject: misc\r\n\r\nNothing.\r\n");
        add(9, 0, 400, 1795300000,
            "From: =?iso-8859-1?Q?Fran=E7ois?= <f@example.org>\r\nSubject: =?utf-8?Q?Caf=C3=A9?= "
            "=?utf-8?Q?_Stra=C3=9Fe?=\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            "w5xiZXJhbGwgZ3LDvMOfZW4K\r\n--b\r\nContent-Type: text/html; charset=iso-8859-1\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n<p>R=E9sum=E9 soft=\r\nbreak</p>\r\n--b--\r\n");
        messages_[1].info.keywords = {"$Work"};
    }
    void add(store::Uid uid, std::uint32_t flags, std::uint64_t size, std::int64_t date, std::string raw,
             bool recent = false) {
        Message m;
        m.info.uid = uid;
        m.info.flags = flags;
        m.info.size = size;
        m.info.internal_date = date;
        m.raw = std::move(raw);
        m.recent = recent;
        messages_.push_back(std::move(m));
    }
    /// Sequence numbers matching the criteria; -1 on a parse error.
    std::vector<int> search(const std::string& criteria) {
        CommandReader reader(criteria);
        bool bad_charset = false;
        auto program = read_search_program(reader, 100, bad_charset);
        if (!program) return {-1};
        std::vector<int> out;
        for (std::size_t i = 0; i < messages_.size(); ++i) {
            SearchCandidate c;
            c.seq = static_cast<std::uint32_t>(i + 1);
            c.exists = static_cast<std::uint32_t>(messages_.size());
            c.max_uid = messages_.back().info.uid;
            c.info = &messages_[i].info;
            c.recent = messages_[i].recent;
            const std::string& raw = messages_[i].raw;
            c.raw = [&raw]() -> const std::string& { return raw; };
            message::MimePart tree = message::parse_message(raw);
            c.structure = [&tree]() -> const message::MimePart& { return tree; };
            const std::string header = raw.substr(0, tree.body_begin);
            c.header = [&header]() -> const std::string& { return header; };
            if (search_matches(*program, c)) out.push_back(static_cast<int>(i + 1));
        }
        return out;
    }
    std::vector<Message> messages_;
};

using V = std::vector<int>;

TEST_F(SearchTest, FlagsAndSizes) {
    messages_.pop_back();  // these cases use the first three messages
    EXPECT_EQ(search("ALL"), (V{1, 2, 3}));
    EXPECT_EQ(search("SEEN"), (V{1, 3}));
    EXPECT_EQ(search("UNSEEN"), (V{2}));
    EXPECT_EQ(search("DELETED"), (V{3}));
    EXPECT_EQ(search("UNDELETED FLAGGED"), (V{2}));
    EXPECT_EQ(search("ANSWERED"), V{});
    EXPECT_EQ(search("UNANSWERED UNDRAFT"), (V{1, 2, 3}));
    EXPECT_EQ(search("LARGER 200"), (V{2, 3}));
    EXPECT_EQ(search("SMALLER 300"), (V{1}));
    EXPECT_EQ(search("KEYWORD $work"), (V{2}));
    EXPECT_EQ(search("UNKEYWORD $Work"), (V{1, 3}));
    EXPECT_EQ(search("RECENT"), (V{2}));
    EXPECT_EQ(search("NEW"), (V{2}));
    EXPECT_EQ(search("OLD"), (V{1, 3}));
}

TEST_F(SearchTest, SetsAndLogic) {
    messages_.pop_back();
    EXPECT_EQ(search("2:*"), (V{2, 3}));
    EXPECT_EQ(search("UID 7"), (V{3}));
    EXPECT_EQ(search("UID 3:*"), (V{3}));
    EXPECT_EQ(search("OR SEEN FLAGGED"), (V{1, 2, 3}));
    EXPECT_EQ(search("NOT SEEN"), (V{2}));
    EXPECT_EQ(search("(SEEN DELETED)"), (V{3}));
    EXPECT_EQ(search("OR (SEEN LARGER 200) KEYWORD $Work"), (V{2, 3}));
    EXPECT_EQ(search("NOT (OR 1 3)"), (V{2}));
}

TEST_F(SearchTest, TextReadsTheWholeMessageOnceAndTakesTheHeaderFromIt) {
    // The candidate as the IMAP session builds it: the header comes out of the whole message
    // when that was read, and is read on its own otherwise.
    const std::string raw = messages_[0].raw;
    std::vector<std::string> reads;
    std::optional<std::string> whole, header;
    SearchCandidate c;
    c.seq = 1;
    c.exists = 1;
    c.max_uid = messages_[0].info.uid;
    c.info = &messages_[0].info;
    c.raw = [&]() -> const std::string& {
        if (!whole) {
            reads.push_back("message");
            whole = raw;
        }
        return *whole;
    };
    c.header = [&]() -> const std::string& {
        if (!header) {
            if (whole) {
                header = whole->substr(0, whole->find("\r\n\r\n") + 4);
            } else {
                reads.push_back("header");
                header = raw.substr(0, raw.find("\r\n\r\n") + 4);
            }
        }
        return *header;
    };
    message::MimePart tree = message::parse_message(raw);
    c.structure = [&]() -> const message::MimePart& { return tree; };
    CommandReader reader("TEXT absent");
    bool bad_charset = false;
    auto program = read_search_program(reader, 100, bad_charset);
    ASSERT_TRUE(program);
    EXPECT_FALSE(search_matches(*program, c));
    EXPECT_EQ(reads, (std::vector<std::string>{"message"}));
}

TEST_F(SearchTest, HeadersAndText) {
    messages_.pop_back();
    EXPECT_EQ(search("FROM alice"), (V{1}));
    EXPECT_EQ(search("CC ALICE@EXAMPLE.TEST"), (V{2}));
    EXPECT_EQ(search("TO bob"), (V{1}));
    EXPECT_EQ(search("SUBJECT \"quarterly report\""), (V{1}));
    EXPECT_EQ(search("HEADER X-Tag urgent"), (V{2}));
    EXPECT_EQ(search("HEADER X-Tag \"\""), (V{2}));  // empty string: the field exists
    EXPECT_EQ(search("BODY pizza"), (V{2}));
    EXPECT_EQ(search("BODY lunch"), V{});  // the subject is not the body
    EXPECT_EQ(search("TEXT lunch"), (V{2}));
    EXPECT_EQ(search("CHARSET UTF-8 SUBJECT misc"), (V{3}));
}

TEST_F(SearchTest, DecodedHeadersAndBodies) {
    EXPECT_EQ(search("SUBJECT \"caf\xc3\xa9\""), (V{4}));
    EXPECT_EQ(search("SUBJECT \"CAF\xc3\x89 stra\xc3\x9f\""), (V{4}));  // encoded words joined, case folded
    EXPECT_EQ(search("FROM \"fran\xc3\xa7ois\""), (V{4}));
    EXPECT_EQ(search("BODY \"\xc3\xbc\x62\x65rall\""), (V{4}));  // "überall", base64 in the message
    EXPECT_EQ(search("BODY \"\xc3\x9c\x42\x45RALL\""), (V{4}));
    EXPECT_EQ(search("BODY \"r\xc3\xa9sum\xc3\xa9 softbreak\""), (V{4}));  // quoted-printable, Latin-1
    EXPECT_EQ(search("BODY w5xiZXJhbGw"), V{});                            // the encoded form is not the text
    EXPECT_EQ(search("TEXT \"Stra\xc3\x9f\x65\""), (V{4}));
}

TEST_F(SearchTest, HeaderMatchesThatTheRawBytesDoNotShow) {
    messages_.clear();
    add(1, 0, 100, 1795000000, "Subject: monthly\r\n report\r\n\r\nx\r\n");            // folded: "monthly report"
    add(2, 0, 100, 1795000000, "Subject: =?utf-8?B?aW52b2ljZSBkdWU=?=\r\n\r\nx\r\n");  // "invoice due"
    add(3, 0, 100, 1795000000, "Subject: MONTHLY\r\n\r\ninvoice\r\n");
    add(4, 0, 100, 1795000000, "Subject: nothing here\r\n");  // no body at all
    EXPECT_EQ(search("SUBJECT \"monthly report\""), (V{1}));
    EXPECT_EQ(search("SUBJECT monthly"), (V{1, 3}));
    EXPECT_EQ(search("SUBJECT invoice"), (V{2}));  // only once decoded; message 3 has it in its body
    EXPECT_EQ(search("SUBJECT DUE"), (V{2}));
    EXPECT_EQ(search("SUBJECT here"), (V{4}));
    EXPECT_EQ(search("HEADER subject \"\""), (V{1, 2, 3, 4}));
    EXPECT_EQ(search("TEXT invoice"), (V{2, 3}));
}

TEST_F(SearchTest, Dates) {
    messages_.pop_back();
    // Internal dates: 1795000000 = 18-Nov-2026 11:06:40 UTC; +100000 s = 19-Nov; +200000 s = 21-Nov.
    EXPECT_EQ(search("ON 18-Nov-2026"), (V{1}));
    EXPECT_EQ(search("BEFORE 19-Nov-2026"), (V{1}));
    EXPECT_EQ(search("SINCE 19-Nov-2026"), (V{2, 3}));
    // Sent dates come from Date: in its own zone; no Date: falls back to the internal date.
    EXPECT_EQ(search("SENTON 25-Nov-2026"), (V{2}));
    EXPECT_EQ(search("SENTBEFORE 25-Nov-2026"), (V{1, 3}));
    EXPECT_EQ(search("SENTSINCE \"24-Nov-2026\""), (V{1, 2}));
}

TEST_F(SearchTest, SyntaxErrors) {
    for (const char* bad : {"", "BOGUS", "FROM", "LARGER x", "ON 31-Feb-2026", "OR SEEN", "(SEEN", "UID", "NOT"}) {
        EXPECT_EQ(search(bad), V{-1}) << bad;
    }
    CommandReader reader("CHARSET KOI8-R ALL");
    bool bad_charset = false;
    EXPECT_FALSE(read_search_program(reader, 100, bad_charset));
    EXPECT_TRUE(bad_charset);
    std::string deep = std::string(500, '(') + "ALL" + std::string(500, ')');
    EXPECT_EQ(search(deep), V{-1});
}

TEST(ImapDate, ParseAndFormat) {
    auto dt = parse_date_time("24-Nov-2026 10:00:00 +0100");
    ASSERT_TRUE(dt);
    EXPECT_EQ(dt->unix_seconds, 1795510800);
    EXPECT_EQ(dt->offset_minutes, 60);
    EXPECT_EQ(format_date_time(*dt), "24-Nov-2026 10:00:00 +0100");
    EXPECT_EQ(format_date_time(DateTime{0, 0}), "01-Jan-1970 00:00:00 +0000");
    EXPECT_TRUE(parse_date_time(" 4-Jul-2026 00:00:00 -0700"));
    EXPECT_FALSE(parse_date_time("24-Foo-2026 10:00:00 +0100"));
    EXPECT_FALSE(parse_date_time("24-Nov-2026 25:00:00 +0100"));
    EXPECT_FALSE(parse_date_time("24-Nov-2026 10:00:00"));
    EXPECT_EQ(parse_search_date("1-Jan-1970"), 0);
    EXPECT_FALSE(parse_search_date("29-Feb-2026"));
    EXPECT_TRUE(parse_search_date("29-Feb-2028"));
    auto header = parse_rfc5322_date("Tue, 24 Nov 2026 10:00:00 +0000 (UTC)");
    ASSERT_TRUE(header);
    EXPECT_EQ(header->unix_seconds, 1795514400);
    EXPECT_TRUE(parse_rfc5322_date("24 Nov 26 10:00 EST"));
    EXPECT_FALSE(parse_rfc5322_date("yesterday"));
}

TEST(FetchRequest, ItemsMacrosAndSections) {
    CommandReader all("ALL");
    auto r = read_fetch_request(all);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->flags && r->internal_date && r->size && r->envelope && !r->body);
    CommandReader list("(UID BODY.PEEK[1.2.HEADER.FIELDS (Subject From)]<0.100> RFC822.TEXT BODY[])");
    r = read_fetch_request(list);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->sections.size(), 3u);
    EXPECT_EQ(r->sections[0].response_name(), "BODY[1.2.HEADER.FIELDS (SUBJECT FROM)]<0>");
    EXPECT_TRUE(r->sections[0].peek);
    EXPECT_EQ(r->sections[1].response_name(), "RFC822.TEXT");
    EXPECT_EQ(r->sections[2].response_name(), "BODY[]");
    EXPECT_TRUE(r->sets_seen());
    for (const char* bad :
         {"(UID", "BODY[MIME]", "BODY[1.]", "BODY[HEADER.FIELDS]", "BODY[]<1>", "FOO", "()", "BODY.PEEK", "BODY[0]"}) {
        CommandReader reader(bad);
        EXPECT_FALSE(read_fetch_request(reader)) << bad;
    }
}

}  // namespace
