// The WAL write-buffering VFS: writes that follow on from each other reach the file together, at
// the latest when it is synced, read, sized, truncated or closed; everything else goes through.
#include "store/wal_write_buffer.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

class WalWriteBufferTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("maild-walbuf-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        vfs_ = sqlite3_vfs_find(store::sqlite::wal_write_buffer_vfs());
        ASSERT_NE(vfs_, nullptr);
    }
    void TearDown() override {
        if (open_) close();
        fs::remove_all(dir_);
    }

    /// Opens dir/name through the VFS, as SQLite opens a WAL (or, with wal false, a store file).
    void open(const std::string& name, bool wal = true) {
        path_ = (dir_ / name).string();
        if (wal) std::ofstream(dir_ / "store");  // a WAL takes its permissions from its store file
        file_.assign(static_cast<std::size_t>(vfs_->szOsFile), 0);
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | (wal ? SQLITE_OPEN_WAL : SQLITE_OPEN_MAIN_DB);
        int out = 0;
        ASSERT_EQ(vfs_->xOpen(vfs_, path_.c_str(), file(), flags, &out), SQLITE_OK);
        open_ = true;
    }
    sqlite3_file* file() { return reinterpret_cast<sqlite3_file*>(file_.data()); }
    int write(const std::string& bytes, sqlite3_int64 offset) {
        return file()->pMethods->xWrite(file(), bytes.data(), static_cast<int>(bytes.size()), offset);
    }
    std::string read(int amount, sqlite3_int64 offset) {
        std::string out(static_cast<std::size_t>(amount), '\0');
        EXPECT_EQ(file()->pMethods->xRead(file(), out.data(), amount, offset), SQLITE_OK);
        return out;
    }
    void sync() { ASSERT_EQ(file()->pMethods->xSync(file(), SQLITE_SYNC_NORMAL), SQLITE_OK); }
    void close() {
        ASSERT_EQ(file()->pMethods->xClose(file()), SQLITE_OK);
        open_ = false;
    }
    /// What is in the file on disk, read past the VFS.
    std::string on_disk() {
        std::ifstream in(path_, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    fs::path dir_;
    sqlite3_vfs* vfs_ = nullptr;
    std::vector<char> file_;  // the sqlite3_file, szOsFile bytes as SQLite would allocate
    std::string path_;
    bool open_ = false;
};

TEST_F(WalWriteBufferTest, WritesThatFollowOnReachTheFileTogetherAtTheSync) {
    open("store-wal");
    ASSERT_EQ(write("header..", 0), SQLITE_OK);
    ASSERT_EQ(write("frame-1.", 8), SQLITE_OK);
    ASSERT_EQ(write("frame-2.", 16), SQLITE_OK);
    EXPECT_EQ(on_disk(), "");  // gathered, not yet written
    sync();
    EXPECT_EQ(on_disk(), "header..frame-1.frame-2.");
}

TEST_F(WalWriteBufferTest, AWriteElsewhereFirstWritesWhatWasGathered) {
    open("store-wal");
    ASSERT_EQ(write("aaaa", 0), SQLITE_OK);
    ASSERT_EQ(write("bbbb", 4), SQLITE_OK);
    ASSERT_EQ(write("AA", 0), SQLITE_OK);  // rewrites the start: what was gathered goes first
    EXPECT_EQ(on_disk(), "aaaabbbb");
    sync();
    EXPECT_EQ(on_disk(), "AAaabbbb");
}

TEST_F(WalWriteBufferTest, ReadsSizesAndTruncationSeeGatheredBytes) {
    open("store-wal");
    ASSERT_EQ(write("0123456789", 0), SQLITE_OK);
    EXPECT_EQ(read(4, 3), "3456");
    ASSERT_EQ(write("abc", 10), SQLITE_OK);
    sqlite3_int64 size = 0;
    ASSERT_EQ(file()->pMethods->xFileSize(file(), &size), SQLITE_OK);
    EXPECT_EQ(size, 13);
    ASSERT_EQ(write("xyz", 13), SQLITE_OK);
    ASSERT_EQ(file()->pMethods->xTruncate(file(), 5), SQLITE_OK);
    EXPECT_EQ(on_disk(), "01234");
}

TEST_F(WalWriteBufferTest, CloseWritesWhatWasGathered) {
    open("store-wal");
    ASSERT_EQ(write("last words", 0), SQLITE_OK);
    close();
    EXPECT_EQ(on_disk(), "last words");
}

TEST_F(WalWriteBufferTest, ALongRunIsWrittenWhole) {
    // Longer than the default VFS takes in one write (it counts a write's size modulo 128 KiB),
    // and longer than what is gathered before it is written anyway.
    open("store-wal");
    std::string expected;
    for (int i = 0; i < 700; ++i) {
        std::string frame(24, static_cast<char>('a' + i % 26));
        frame += std::string(4096, static_cast<char>('A' + i % 26));
        ASSERT_EQ(write(frame, static_cast<sqlite3_int64>(expected.size())), SQLITE_OK);
        expected += frame;
    }
    sync();
    EXPECT_EQ(on_disk(), expected);
}

TEST_F(WalWriteBufferTest, OtherFilesAreWrittenAtOnce) {
    open("store", false);
    ASSERT_EQ(write("page", 0), SQLITE_OK);
    EXPECT_EQ(on_disk(), "page");
}

TEST_F(WalWriteBufferTest, AStoreThroughItIsReadByOtherConnectionsAfterEachCommit) {
    const std::string path = (dir_ / "store.db").string();
    auto open_db = [&](const char* vfs) {
        sqlite3* raw = nullptr;
        EXPECT_EQ(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs), SQLITE_OK);
        return std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)>(raw, &sqlite3_close_v2);
    };
    auto writer = open_db(store::sqlite::wal_write_buffer_vfs());
    auto reader = open_db(nullptr);  // another connection, as another process would open it
    ASSERT_EQ(
        sqlite3_exec(writer.get(), "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (v BLOB)",
                     nullptr, nullptr, nullptr),
        SQLITE_OK);
    auto count = [&] {
        sqlite3_stmt* raw = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(reader.get(), "SELECT count(*), sum(length(v)) FROM t", -1, &raw, nullptr),
                  SQLITE_OK);
        EXPECT_EQ(sqlite3_step(raw), SQLITE_ROW);
        auto n = sqlite3_column_int64(raw, 0);
        sqlite3_finalize(raw);
        return n;
    };
    for (int i = 1; i <= 50; ++i) {
        ASSERT_EQ(sqlite3_exec(writer.get(), "INSERT INTO t (v) VALUES (randomblob(20000))", nullptr, nullptr, nullptr),
                  SQLITE_OK);
        EXPECT_EQ(count(), i);
    }
    ASSERT_EQ(sqlite3_exec(writer.get(), "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_EQ(count(), 50);
    sqlite3_stmt* raw = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(reader.get(), "PRAGMA integrity_check", -1, &raw, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(raw), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(raw, 0)), "ok");
    sqlite3_finalize(raw);
}

}  // namespace
