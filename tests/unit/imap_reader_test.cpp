#include <gtest/gtest.h>

#include "imapd/command_reader.hpp"
#include "imapd/imap_quote.hpp"
#include "imapd/list_pattern.hpp"
#include "imapd/number_set.hpp"
#include "common/sasl.hpp"

namespace {

using namespace imap;

TEST(CommandReader, TagsAtomsAndStrings) {
    CommandReader r("a001 LOGIN \"al\\\"ice\" {6}\r\nsec re");
    EXPECT_EQ(r.tag(), "a001");
    EXPECT_TRUE(r.space());
    EXPECT_EQ(r.atom(), "LOGIN");
    EXPECT_TRUE(r.space());
    EXPECT_EQ(r.astring(), "al\"ice");
    EXPECT_TRUE(r.space());
    EXPECT_EQ(r.astring(), "sec re");
    EXPECT_TRUE(r.at_end());
}

TEST(CommandReader, BadSyntax) {
    for (const char* bad : {"\"unterminated", "\"bad \\x escape\"", "{5}\r\nabc", "{x}\r\nabc", "(", ""}) {
        CommandReader r(bad);
        EXPECT_FALSE(r.astring()) << bad;
        EXPECT_FALSE(r.error().empty()) << bad;
    }
    CommandReader plus("+tag NOOP");
    EXPECT_FALSE(plus.tag());
    CommandReader star("* NOOP");
    EXPECT_FALSE(star.tag());
}

TEST(CommandReader, NilAndNumbers) {
    CommandReader r("NIL 42 4294967296");
    auto n = r.nstring();
    ASSERT_TRUE(n);
    EXPECT_FALSE(*n);
    r.space();
    EXPECT_EQ(r.number(), 42u);
    r.space();
    EXPECT_FALSE(r.number());
}

TEST(NumberSet, RangesStarAndLimits) {
    CommandReader r("1:3,7,10:*,5:4");
    auto set = NumberSet::read(r);
    ASSERT_TRUE(set);
    auto ranges = set->resolve(12);
    EXPECT_EQ(ranges, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{1, 5}, {7, 7}, {10, 12}}));
    EXPECT_TRUE(set->contains(11, 12));
    EXPECT_FALSE(set->contains(6, 12));
    CommandReader huge("1:4294967295");
    auto all = NumberSet::read(huge);
    ASSERT_TRUE(all);
    EXPECT_TRUE(all->contains(4000000000u, 5));
    CommandReader star_below("100:*");  // UID n:* with n above the highest UID still names it
    EXPECT_TRUE(NumberSet::read(star_below)->contains(7, 7));
    CommandReader zero("0:5");
    EXPECT_FALSE(NumberSet::read(zero));
    std::string many;
    for (int i = 1; i <= 1001; ++i) many += (i > 1 ? "," : "") + std::to_string(i * 2);
    CommandReader limited(many);
    EXPECT_FALSE(NumberSet::read(limited, 1000));
    CommandReader allowed(many);
    EXPECT_TRUE(NumberSet::read(allowed, 1001));
}

TEST(NumberSet, CompactList) {
    EXPECT_EQ(compact_number_list({1, 2, 3, 5, 7, 8}), "1:3,5,7:8");
    EXPECT_EQ(compact_number_list({4}), "4");
}

TEST(Quote, ChoosesAtomQuotedOrLiteral) {
    EXPECT_EQ(quote_astring("INBOX"), "INBOX");
    EXPECT_EQ(quote_astring("My Folder"), "\"My Folder\"");
    EXPECT_EQ(quote_astring("NIL"), "\"NIL\"");
    EXPECT_EQ(quote_astring(""), "\"\"");
    EXPECT_EQ(quote_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(quote_string("line\r\nbreak"), "{11}\r\nline\r\nbreak");
    EXPECT_EQ(quote_string("caf\xc3\xa9"), "{5}\r\ncaf\xc3\xa9");
    EXPECT_EQ(quote_nstring(std::nullopt), "NIL");
}

TEST(ListPattern, WildcardsAndInbox) {
    EXPECT_TRUE(list_pattern_matches("*", "Work/2026/Q4"));
    EXPECT_TRUE(list_pattern_matches("%", "Work"));
    EXPECT_FALSE(list_pattern_matches("%", "Work/2026"));
    EXPECT_TRUE(list_pattern_matches("Work/%", "Work/2026"));
    EXPECT_FALSE(list_pattern_matches("Work/%", "Work/2026/Q4"));
    EXPECT_TRUE(list_pattern_matches("W*4", "Work/2026/Q4"));
    EXPECT_TRUE(list_pattern_matches("inbox", "INBOX"));
    EXPECT_FALSE(list_pattern_matches("work", "Work"));
    EXPECT_TRUE(list_pattern_matches("%/%", "a/b"));
    // No exponential blow-up on hostile patterns.
    EXPECT_FALSE(list_pattern_matches(std::string(200, '*') + "x", std::string(5000, 'a')));
    EXPECT_EQ(combine_list_pattern("Work", "%"), "Work/%");
    EXPECT_EQ(combine_list_pattern("Work/", "%"), "Work/%");
    EXPECT_EQ(combine_list_pattern("", "*"), "*");
}

TEST(SaslPlain, Decoding) {
    auto c = maild::decode_sasl_plain("AGFsaWNlAHNlY3JldA==");  // \0alice\0secret
    ASSERT_TRUE(c);
    EXPECT_EQ(c->authcid, "alice");
    EXPECT_EQ(c->password, "secret");
    EXPECT_FALSE(maild::decode_sasl_plain("not base64!"));
    EXPECT_FALSE(maild::decode_sasl_plain("YWxpY2U="));                  // no NULs
    EXPECT_FALSE(maild::decode_sasl_plain("Ym9iAGFsaWNlAHNlY3JldA=="));  // bob acting as alice
    EXPECT_EQ(maild::decode_base64("Zm9vYmFy"), "foobar");
    EXPECT_EQ(maild::decode_base64("Zm9vYg=="), "foob");
    EXPECT_FALSE(maild::decode_base64("Zm9=vYg="));
}

}  // namespace
