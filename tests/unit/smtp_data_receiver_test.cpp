#include <gtest/gtest.h>

#include <random>

#include "smtpd/data_receiver.hpp"

namespace {

using smtp::DataReceiver;

/// Feeds everything at once; returns {message, consumed}.
std::pair<std::string, std::size_t> receive(std::string_view bytes, std::size_t max = 1 << 20) {
    DataReceiver receiver(max);
    std::size_t used = receiver.feed(bytes);
    EXPECT_TRUE(receiver.complete()) << bytes;
    return {receiver.message(), used};
}

TEST(DataReceiver, EndsAtCrLfDotCrLfAndKeepsTheFinalCrLf) {
    auto [message, used] = receive("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    EXPECT_EQ(message, "Subject: x\r\n\r\nbody\r\n");
    EXPECT_EQ(used, std::string_view("Subject: x\r\n\r\nbody\r\n.\r\n").size());
}

TEST(DataReceiver, EmptyMessage) {
    auto [message, used] = receive(".\r\n");
    EXPECT_EQ(message, "");
    EXPECT_EQ(used, 3u);
}

TEST(DataReceiver, RemovesOneLeadingDotFromLinesAfterCrLf) {
    EXPECT_EQ(receive("..one\r\n...two\r\n.x\r\n.\r\n").first, ".one\r\n..two\r\nx\r\n");
    EXPECT_EQ(receive("a\r\n..\r\n.\r\n").first, "a\r\n.\r\n");
}

TEST(DataReceiver, BareLineEndsNeverEndTheData) {
    // The SMTP smuggling sequences: each is content, and only the final CRLF.CRLF ends.
    for (std::string terminator : {"\n.\n", "\r.\r", "\n.\r\n", "\r.\r\n", "\r\n.\n", "\r\n.\r", "\r\n.\rx"}) {
        DataReceiver receiver(1 << 20);
        std::string input = "a" + terminator + "MAIL FROM:<x@y>\r\n";
        receiver.feed(input);
        EXPECT_FALSE(receiver.complete()) << testing::PrintToString(terminator);
        receiver.feed(".\r\n");
        EXPECT_TRUE(receiver.complete()) << testing::PrintToString(terminator);
        EXPECT_NE(receiver.message().find("MAIL FROM:<x@y>\r\n"), std::string::npos);
    }
}

TEST(DataReceiver, BareCrAndLfAreKeptAsContent) {
    EXPECT_EQ(receive("a\nb\rc\r\n.\r\n").first, "a\nb\rc\r\n");
    EXPECT_EQ(receive("a\n.\nb\r\n.\r\n").first, "a\n.\nb\r\n");
    // ".\r" followed by something else: the dot is unstuffed, the CR kept.
    EXPECT_EQ(receive("a\r\n.\rb\r\n.\r\n").first, "a\r\n\rb\r\n");
    EXPECT_EQ(receive("a\r\n.\r\r\n.\r\n").first, "a\r\n\r\r\n");
}

TEST(DataReceiver, EveryByteSplitGivesTheSameResult) {
    const std::string input = "Subject: s\r\n\r\n..dot\r\nbare\nlf\r\r\n.\rcr\r\nend\r\n.\r\nNEXT";
    const auto [expected, expected_used] = receive(input);
    for (std::size_t split = 0; split <= input.size(); ++split) {
        DataReceiver receiver(1 << 20);
        std::size_t used = receiver.feed(std::string_view(input).substr(0, split));
        if (!receiver.complete()) used += receiver.feed(std::string_view(input).substr(split));
        ASSERT_TRUE(receiver.complete()) << split;
        EXPECT_EQ(receiver.message(), expected) << split;
        EXPECT_EQ(used, expected_used) << split;
    }
    // And one byte at a time.
    DataReceiver receiver(1 << 20);
    std::size_t used = 0;
    for (char c : input)
        if (!receiver.complete()) used += receiver.feed(std::string_view(&c, 1));
    EXPECT_EQ(receiver.message(), expected);
    EXPECT_EQ(used, expected_used);
}

TEST(DataReceiver, SizeCapDropsTheTextButFindsTheEnd) {
    DataReceiver receiver(10);
    receiver.feed("0123456789");
    EXPECT_FALSE(receiver.too_big());
    std::size_t used = receiver.feed("abc\r\n.\r\nQUIT\r\n");
    EXPECT_TRUE(receiver.complete());
    EXPECT_TRUE(receiver.too_big());
    EXPECT_TRUE(receiver.message().empty());
    EXPECT_EQ(receiver.size(), 15u);
    EXPECT_EQ(used, 8u);
}

TEST(DataReceiver, ExactlyAtTheLimitIsAccepted) {
    auto [message, used] = receive("12345678\r\n.\r\n", 10);
    EXPECT_EQ(message, "12345678\r\n");
}

TEST(DataReceiver, KeepsNulAnd8BitBytes) {
    std::string input("a\0b\xff\xc3\xa9\r\n.\r\n", 11);
    EXPECT_EQ(receive(input).first, std::string("a\0b\xff\xc3\xa9\r\n", 8));
}

/// RFC 5321 4.5.2 and 4.1.1.4 read whole, byte by byte: the data ends at a line "." (a line
/// starts at the beginning or after CRLF, never after a bare CR or LF), and one leading dot is
/// removed from every other line. Sets used to the bytes up to the end, 0 if there is none.
std::string reference_unstuff(std::string_view in, std::size_t& used) {
    std::string out;
    bool line_start = true;
    used = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (line_start) {
            if (in.substr(i, 3) == ".\r\n") {
                used = i + 3;
                return out;
            }
            line_start = false;
            if (in[i] == '.') continue;
        }
        out += in[i];
        if (in[i] == '\n' && i > 0 && in[i - 1] == '\r') line_start = true;
    }
    return out;
}

TEST(DataReceiver, AgreesWithAByteByByteReadingOnRandomInputInRandomPieces) {
    std::mt19937 random(20261130);
    const char alphabet[] = {'\r', '\n', '.', 'a', 'b'};
    for (int round = 0; round < 20000; ++round) {
        std::string input;
        const std::size_t length = random() % 40;
        for (std::size_t i = 0; i < length; ++i) input += alphabet[random() % sizeof alphabet];
        input += "\r\n.\r\n";  // every input ends somewhere
        std::size_t expected_used = 0;
        const std::string expected = reference_unstuff(input, expected_used);
        ASSERT_GT(expected_used, 0u);

        DataReceiver receiver(1 << 20);
        std::size_t offset = 0;
        while (!receiver.complete() && offset < input.size()) {
            const std::size_t piece = 1 + random() % 8;
            offset += receiver.feed(std::string_view(input).substr(offset, piece));
        }
        ASSERT_TRUE(receiver.complete()) << input;
        EXPECT_EQ(receiver.message(), expected) << input;
        EXPECT_EQ(offset, expected_used) << input;
    }
}

}  // namespace
