#include "common/line_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using maild::LineBuffer;

struct Taken {
    std::vector<std::string> lines;
    std::vector<bool> crlf;
    int too_long = 0;
};

// Feeds `input` in pieces of `step` bytes, draining lines after each piece.
Taken feed_in_steps(const std::string& input, std::size_t step, std::size_t max) {
    LineBuffer buffer(max);
    Taken taken;
    for (std::size_t i = 0; i < input.size(); i += step) {
        buffer.append(std::string_view(input).substr(i, step));
        for (;;) {
            auto r = buffer.take_line();
            if (r.status == LineBuffer::Status::need_more) break;
            if (r.status == LineBuffer::Status::too_long) {
                ++taken.too_long;
                continue;
            }
            taken.lines.push_back(r.line);
            taken.crlf.push_back(r.crlf);
        }
    }
    return taken;
}

TEST(LineBuffer, SplitsCrlfAndBareLfLines) {
    auto t = feed_in_steps("EHLO a\r\nNOOP\nQUIT\r\n", 1000, 100);
    ASSERT_EQ(t.lines, (std::vector<std::string>{"EHLO a", "NOOP", "QUIT"}));
    EXPECT_EQ(t.crlf, (std::vector<bool>{true, false, true}));
}

TEST(LineBuffer, KeepsPartialLineUntilItsEnd) {
    LineBuffer buffer(100);
    buffer.append("MAIL FR");
    EXPECT_EQ(buffer.take_line().status, LineBuffer::Status::need_more);
    buffer.append("OM:<a@b>\r");
    EXPECT_EQ(buffer.take_line().status, LineBuffer::Status::need_more);
    buffer.append("\nRCPT");
    auto r = buffer.take_line();
    ASSERT_EQ(r.status, LineBuffer::Status::line);
    EXPECT_EQ(r.line, "MAIL FROM:<a@b>");
    EXPECT_EQ(buffer.take_rest(), "RCPT");
    EXPECT_EQ(buffer.buffered(), 0u);
}

TEST(LineBuffer, BareCrStaysInsideTheLine) {
    auto t = feed_in_steps("a\rb\r\n", 1, 100);
    ASSERT_EQ(t.lines.size(), 1u);
    EXPECT_EQ(t.lines[0], "a\rb");
}

TEST(LineBuffer, LineOfExactlyMaxIsAccepted) {
    std::string line(10, 'x');
    auto t = feed_in_steps(line + "\r\n", 1, 10);
    ASSERT_EQ(t.lines.size(), 1u);
    EXPECT_EQ(t.too_long, 0);
}

TEST(LineBuffer, OverlongLineReportedOnceAndDiscardedThenNextLineWorks) {
    std::string input = std::string(5000, 'x') + "\r\nNOOP\r\n";
    for (std::size_t step : {1u, 7u, 100u, 5000u, 10000u}) {
        auto t = feed_in_steps(input, step, 100);
        EXPECT_EQ(t.too_long, 1) << "step " << step;
        EXPECT_EQ(t.lines, (std::vector<std::string>{"NOOP"})) << "step " << step;
    }
}

TEST(LineBuffer, MemoryStaysBoundedWhileDiscarding) {
    LineBuffer buffer(64);
    buffer.append(std::string(1000, 'y'));
    EXPECT_EQ(buffer.take_line().status, LineBuffer::Status::too_long);
    for (int i = 0; i < 1000; ++i) buffer.append(std::string(1000, 'y'));
    EXPECT_EQ(buffer.buffered(), 0u);
    buffer.append("z\nok\n");
    auto r = buffer.take_line();
    ASSERT_EQ(r.status, LineBuffer::Status::line);
    EXPECT_EQ(r.line, "ok");
}

TEST(LineBuffer, EverySplitPointGivesTheSameLines) {
    const std::string input = "A\r\nBB\nCCC\r\n\r\nD\rE\r\n";
    auto whole = feed_in_steps(input, input.size(), 100);
    for (std::size_t split = 1; split < input.size(); ++split) {
        LineBuffer buffer(100);
        std::vector<std::string> lines;
        auto drain = [&] {
            for (auto r = buffer.take_line(); r.status == LineBuffer::Status::line; r = buffer.take_line())
                lines.push_back(r.line);
        };
        buffer.append(input.substr(0, split));
        drain();
        buffer.append(input.substr(split));
        drain();
        EXPECT_EQ(lines, whole.lines) << "split at " << split;
    }
}

TEST(LineBuffer, NulBytesArePassedThroughForTheProtocolToJudge) {
    auto t = feed_in_steps(std::string("NO\0OP\r\n", 7), 1, 100);
    ASSERT_EQ(t.lines.size(), 1u);
    EXPECT_EQ(t.lines[0], std::string("NO\0OP", 5));
}

}  // namespace
