// Replays every fuzz seed and every input a fuzzer ever found a bug with (tests/fuzz/corpus and
// tests/fuzz/regressions, one folder per target) through the fuzz targets on each test run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "tests/fuzz/fuzz_targets.hpp"

#ifndef MAILD_TEST_DATA_DIR
#define MAILD_TEST_DATA_DIR "tests/data"
#endif

namespace {

namespace fs = std::filesystem;

const std::map<std::string, std::function<void(const std::uint8_t*, std::size_t)>> targets = {
    {"smtp_session", maild::fuzz::smtp_session},
    {"imap_command", maild::fuzz::imap_command},
    {"imap_session", maild::fuzz::imap_session},
    {"mime_message", maild::fuzz::mime_message},
};

TEST(FuzzRegressions, EveryKeptInputRunsCleanly) {
    fs::path fuzz_dir = fs::path(MAILD_TEST_DATA_DIR).parent_path() / "fuzz";
    std::size_t replayed = 0;
    for (const char* kind : {"corpus", "regressions"}) {
        for (const auto& [name, target] : targets) {
            fs::path dir = fuzz_dir / kind / name;
            if (!fs::is_directory(dir)) continue;
            for (const auto& entry : fs::directory_iterator(dir)) {
                std::ifstream in(entry.path(), std::ios::binary);
                std::ostringstream bytes;
                bytes << in.rdbuf();
                std::string input = bytes.str();
                SCOPED_TRACE(entry.path().string());
                target(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
                ++replayed;
            }
        }
    }
    EXPECT_GE(replayed, 4u);
}

}  // namespace
