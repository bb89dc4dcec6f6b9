#include "common/log.hpp"

#include <gtest/gtest.h>

namespace {

using namespace maild::log;

TEST(Log, ParsesLevels) {
    EXPECT_EQ(parse_level("debug"), Level::debug);
    EXPECT_EQ(parse_level("warning"), Level::warn);
    EXPECT_EQ(parse_level("off"), Level::off);
    EXPECT_FALSE(parse_level("loud").has_value());
}

TEST(Log, SanitizeEscapesControlBytesSoOneEventIsOneLine) {
    EXPECT_EQ(sanitize("EHLO a\r\nMAIL"), "EHLO a\\x0d\\x0aMAIL");
    EXPECT_EQ(sanitize(std::string_view("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(sanitize("back\\slash"), "back\\x5cslash");
    EXPECT_EQ(sanitize("Grüße"), "Grüße");  // UTF-8 stays readable
}

TEST(Log, SanitizeCutsLongInput) {
    std::string long_text(1000, 'x');
    auto out = sanitize(long_text, 10);
    EXPECT_EQ(out, std::string(10, 'x') + "...");
}

TEST(Log, LevelFiltering) {
    set_level(Level::warn);
    EXPECT_FALSE(enabled(Level::info));
    EXPECT_TRUE(enabled(Level::error));
    set_level(Level::off);
    EXPECT_FALSE(enabled(Level::error));
}

}  // namespace
