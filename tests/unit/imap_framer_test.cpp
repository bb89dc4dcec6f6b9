#include <gtest/gtest.h>

#include "imapd/command_framer.hpp"

namespace {

using imap::CommandFramer;
using Event = CommandFramer::Event;

struct Transcript {
    std::vector<std::pair<Event, std::string>> events;
};

/// Feeds input in pieces split at the given points; collects every event.
Transcript run(const std::string& input, const std::vector<std::size_t>& splits, CommandFramer::Limits limits = {}) {
    CommandFramer framer(limits);
    Transcript t;
    std::size_t start = 0;
    auto drain = [&] {
        for (auto r = framer.next(); r.event != Event::need_more; r = framer.next())
            t.events.emplace_back(r.event, r.text);
    };
    for (std::size_t split : splits) {
        framer.append(std::string_view(input).substr(start, split - start));
        drain();
        start = split;
    }
    framer.append(std::string_view(input).substr(start));
    drain();
    return t;
}

TEST(CommandFramer, SimpleLinesCrLfAndBareLf) {
    auto t = run("a1 NOOP\r\na2 CAPABILITY\nla", {});
    ASSERT_EQ(t.events.size(), 2u);
    EXPECT_EQ(t.events[0], std::make_pair(Event::command, std::string("a1 NOOP")));
    EXPECT_EQ(t.events[1], std::make_pair(Event::command, std::string("a2 CAPABILITY")));
}

TEST(CommandFramer, SynchronizingLiteralAsksForContinuation) {
    auto t = run("a APPEND INBOX {5}\r\nhello\r\n", {});
    ASSERT_EQ(t.events.size(), 2u);
    EXPECT_EQ(t.events[0].first, Event::need_continuation);
    EXPECT_EQ(t.events[1], std::make_pair(Event::command, std::string("a APPEND INBOX {5}\r\nhello")));
}

TEST(CommandFramer, NonSynchronizingLiteralDoesNot) {
    auto t = run("a LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n", {});
    ASSERT_EQ(t.events.size(), 1u);
    EXPECT_EQ(t.events[0], std::make_pair(Event::command, std::string("a LOGIN {5+}\r\nalice {6+}\r\nsecret")));
}

TEST(CommandFramer, LiteralBytesAreNotInterpreted) {
    auto t = run("a APPEND INBOX {14+}\r\nx\r\n{3}\r\nb NOOP\r\nc NOOP\r\n", {});
    ASSERT_EQ(t.events.size(), 2u);
    EXPECT_EQ(t.events[0].second, "a APPEND INBOX {14+}\r\nx\r\n{3}\r\nb NOOP");
    EXPECT_EQ(t.events[1].second, "c NOOP");
}

TEST(CommandFramer, EverySplitPointGivesTheSameCommands) {
    const std::string input =
        "a1 LOGIN {5+}\r\nalice secret\r\na2 APPEND INBOX (\\Seen) {11}\r\nSubject: x\n\r\na3 NOOP\r\n";
    auto whole = run(input, {});
    for (std::size_t split = 1; split < input.size(); ++split) {
        auto t = run(input, {split});
        std::vector<std::pair<Event, std::string>> commands;
        for (auto& e : t.events)
            if (e.first == Event::command) commands.push_back(e);
        std::vector<std::pair<Event, std::string>> expected;
        for (auto& e : whole.events)
            if (e.first == Event::command) expected.push_back(e);
        ASSERT_EQ(commands, expected) << "split at " << split;
    }
    // One byte at a time.
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i) every.push_back(i);
    auto bytewise = run(input, every);
    EXPECT_EQ(bytewise.events, whole.events);
}

TEST(CommandFramer, TooBigSynchronizingLiteralIsRefusedBeforeItIsSent) {
    CommandFramer::Limits limits;
    limits.max_literal_bytes = 10;
    auto t = run("a APPEND INBOX {11}\r\nb NOOP\r\n", {}, limits);
    ASSERT_EQ(t.events.size(), 2u);
    EXPECT_EQ(t.events[0].first, Event::literal_too_big);
    EXPECT_EQ(t.events[0].second.rfind("a APPEND", 0), 0u);
    EXPECT_EQ(t.events[1], std::make_pair(Event::command, std::string("b NOOP")));
}

TEST(CommandFramer, TooBigNonSynchronizingLiteralIsSkipped) {
    CommandFramer::Limits limits;
    limits.max_literal_bytes = 10;
    auto t = run("a APPEND INBOX {12+}\r\n0123456789AB\r\nb NOOP\r\n", {}, limits);
    ASSERT_EQ(t.events.size(), 2u);
    EXPECT_EQ(t.events[0].first, Event::literal_too_big);
    EXPECT_EQ(t.events[1], std::make_pair(Event::command, std::string("b NOOP")));
}

TEST(CommandFramer, AbsurdLiteralSizesNeverAllocate) {
    for (const char* size : {"4294967296", "1000000000000", "99999999999999999999999999"}) {
        auto sync = run(std::string("a APPEND INBOX {") + size + "}\r\nb NOOP\r\n", {});
        ASSERT_EQ(sync.events.size(), 2u) << size;
        EXPECT_EQ(sync.events[0].first, Event::literal_too_big);
        auto nonsync = run(std::string("a APPEND INBOX {") + size + "+}\r\n", {});
        ASSERT_EQ(nonsync.events.size(), 1u);
        EXPECT_EQ(nonsync.events[0].first, Event::must_close);
    }
}

TEST(CommandFramer, OverlongLineIsReportedOnceAndSkipped) {
    CommandFramer::Limits limits;
    limits.max_line_bytes = 100;
    std::string input = "a NOOP " + std::string(1000, 'x') + "\r\nb NOOP\r\n";
    for (std::size_t split : {std::size_t{50}, std::size_t{150}, std::size_t{1005}}) {
        auto t = run(input, {split}, limits);
        ASSERT_EQ(t.events.size(), 2u) << split;
        EXPECT_EQ(t.events[0].first, Event::line_too_long);
        EXPECT_EQ(t.events[1], std::make_pair(Event::command, std::string("b NOOP")));
    }
}

}  // namespace
