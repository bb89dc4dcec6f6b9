#include "smtpd/smtp_command.hpp"

#include <gtest/gtest.h>

#include "smtpd/smtp_address.hpp"

namespace {

using namespace smtp;

TEST(SplitCommand, UpperCasesTheVerbAndTrims) {
    auto c = split_command("  mail   FROM:<a@b>  ");
    EXPECT_EQ(c.verb, "MAIL");
    EXPECT_EQ(c.argument, "FROM:<a@b>");
    EXPECT_EQ(split_command("quit").argument, "");
    EXPECT_EQ(split_command("").verb, "");
}

TEST(PathArgument, PlainAngleAddr) {
    auto p = parse_path_argument("FROM:<alice@example.test>", "FROM");
    ASSERT_TRUE(p.path);
    EXPECT_EQ(p.path->address, "alice@example.test");
    EXPECT_FALSE(p.path->null_path);
    EXPECT_TRUE(p.path->parameters.empty());
}

TEST(PathArgument, KeywordIsCaseInsensitiveAndBlanksAfterColonAreTolerated) {
    auto p = parse_path_argument("from: <a@b.c>", "FROM");
    ASSERT_TRUE(p.path);
    EXPECT_EQ(p.path->address, "a@b.c");
}

TEST(PathArgument, NullPathAndParameters) {
    auto p = parse_path_argument("FROM:<> SIZE=100 body=8BITMIME SMTPUTF8", "FROM");
    ASSERT_TRUE(p.path);
    EXPECT_TRUE(p.path->null_path);
    ASSERT_EQ(p.path->parameters.size(), 3u);
    EXPECT_EQ(p.path->parameters[0].keyword, "SIZE");
    EXPECT_EQ(p.path->parameters[0].value, "100");
    EXPECT_EQ(p.path->parameters[1].keyword, "BODY");
    EXPECT_EQ(p.path->parameters[1].value, "8BITMIME");
    EXPECT_EQ(p.path->parameters[2].keyword, "SMTPUTF8");
    EXPECT_FALSE(p.path->parameters[2].value);
}

TEST(PathArgument, SourceRouteIsRemoved) {
    auto p = parse_path_argument("TO:<@relay.example,@other.example:bob@example.test>", "TO");
    ASSERT_TRUE(p.path);
    EXPECT_EQ(p.path->address, "bob@example.test");
}

TEST(PathArgument, QuotedLocalPartMayHoldBrackets) {
    auto p = parse_path_argument("TO:<\"odd>name\"@example.test>", "TO");
    ASSERT_TRUE(p.path);
    EXPECT_EQ(p.path->address, "\"odd>name\"@example.test");
}

TEST(PathArgument, UnbracketedAddressIsAccepted) {
    auto p = parse_path_argument("TO:bob@example.test", "TO");
    ASSERT_TRUE(p.path);
    EXPECT_EQ(p.path->address, "bob@example.test");
}

TEST(PathArgument, SyntaxErrors) {
    for (const char* bad : {"", "FROM", "FROM <a@b>", "TO:<a@b>", "FROM:", "FROM:<unterminated", "FROM:<a@b>junk",
                            "FROM:<a<b@c>", "FROM:<a@b> =x", "FROM:<a@b> SIZE=", "FROM:<a@b> -X", "FROM:<a\x01@b>"}) {
        EXPECT_FALSE(parse_path_argument(bad, "FROM").path) << bad;
    }
    EXPECT_FALSE(parse_path_argument("TO:<a@b>", "FROM").path);
}

TEST(Mailbox, SplitsAndLowerCasesTheDomain) {
    auto m = parse_mailbox("Alice.Smith+tag@Example.TEST");
    ASSERT_EQ(m.problem, AddressProblem::none);
    EXPECT_EQ(m.mailbox.local, "Alice.Smith+tag");
    EXPECT_EQ(m.mailbox.domain, "example.test");
    EXPECT_EQ(m.mailbox.address(), "Alice.Smith+tag@example.test");
}

TEST(Mailbox, Problems) {
    EXPECT_EQ(parse_mailbox("no-domain").problem, AddressProblem::missing_domain);
    EXPECT_EQ(parse_mailbox("user@").problem, AddressProblem::missing_domain);
    EXPECT_EQ(parse_mailbox("@example.test").problem, AddressProblem::bad_syntax);
    EXPECT_EQ(parse_mailbox("a..b@example.test").problem, AddressProblem::bad_syntax);
    EXPECT_EQ(parse_mailbox("a b@example.test").problem, AddressProblem::bad_syntax);
    EXPECT_EQ(parse_mailbox("a@exa mple.test").problem, AddressProblem::bad_syntax);
    EXPECT_EQ(parse_mailbox("a@-bad.test").problem, AddressProblem::bad_syntax);
    EXPECT_EQ(parse_mailbox("a@bad-.test").problem, AddressProblem::bad_syntax);
    EXPECT_EQ(parse_mailbox("a@bad..test").problem, AddressProblem::bad_syntax);
    EXPECT_EQ(parse_mailbox("j\xc3@example.test").problem, AddressProblem::bad_utf8);
    EXPECT_EQ(parse_mailbox("").problem, AddressProblem::bad_syntax);
}

TEST(Mailbox, AcceptsUtf8QuotedAndLiterals) {
    EXPECT_EQ(parse_mailbox("j\xc3\xb6rg@example.test").problem, AddressProblem::none);
    EXPECT_EQ(parse_mailbox("\"john doe\"@example.test").problem, AddressProblem::none);
    EXPECT_EQ(parse_mailbox("x@[192.0.2.1]").problem, AddressProblem::none);
    EXPECT_EQ(parse_mailbox("x@[IPv6:2001:db8::1]").problem, AddressProblem::none);
}

TEST(Utf8, Validation) {
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac\xf0\x9f\x93\xa7"));
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
    EXPECT_FALSE(is_valid_utf8("\xff"));
}

}  // namespace
