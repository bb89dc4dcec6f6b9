// The WAL write-buffering VFS: writes that follow on from each other reach the file together, at
// the latest when it is synced, read, sized, truncated or closed; a checkpoint reads the WAL in
// chunks; everything else goes through.
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
        // The names as SQLite hands them to a VFS: one block holding the store's and its WAL's.
        const std::string store = (dir_ / "store").string();
        const std::string wal = store + "-wal";
        names_ = sqlite3_create_filename(store.c_str(), (store + "-journal").c_str(), wal.c_str(), 0, nullptr);
        ASSERT_NE(names_, nullptr);
    }
    void TearDown() override {
        if (wal_open_) close();
        if (store_open_) close_store();
        sqlite3_free_filename(names_);
        fs::remove_all(dir_);
    }

    /// Opens the store file through the VFS and then, unless only_store, its WAL, as a
    /// connection opens them; file() is the WAL (or the store file).
    void open(bool only_store = false, bool with_store = true) {
        if (with_store) {
            store_.assign(static_cast<std::size_t>(vfs_->szOsFile), 0);
            int out = 0;
            ASSERT_EQ(vfs_->xOpen(vfs_, names_, store(),
                                  SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MAIN_DB, &out),
                      SQLITE_OK);
            store_open_ = true;
            path_ = names_;
        }
        if (only_store) return;
        if (!with_store) std::ofstream{std::string(names_)};  // a WAL takes its permissions from its store file
        path_ = sqlite3_filename_wal(names_);
        file_.assign(static_cast<std::size_t>(vfs_->szOsFile), 0);
        int out = 0;
        ASSERT_EQ(vfs_->xOpen(vfs_, sqlite3_filename_wal(names_), wal(),
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_WAL, &out),
                  SQLITE_OK);
        wal_open_ = true;
    }
    sqlite3_file* store() { return reinterpret_cast<sqlite3_file*>(store_.data()); }
    sqlite3_file* wal() { return reinterpret_cast<sqlite3_file*>(file_.data()); }
    sqlite3_file* file() { return wal_open_ ? wal() : store(); }
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
        ASSERT_EQ(wal()->pMethods->xClose(wal()), SQLITE_OK);
        wal_open_ = false;
    }
    void close_store() {
        ASSERT_EQ(store()->pMethods->xClose(store()), SQLITE_OK);
        store_open_ = false;
    }
    /// What is in the file on disk, read past the VFS.
    std::string on_disk() {
        std::ifstream in(path_, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    /// Overwrites bytes of the file on disk behind the VFS's back.
    void change_on_disk(sqlite3_int64 offset, const std::string& bytes) {
        std::fstream out(path_, std::ios::binary | std::ios::in | std::ios::out);
        out.seekp(offset);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    /// Tells the store file what SQLite tells it around a checkpoint's copying.
    void checkpoint_control(int op) { store()->pMethods->xFileControl(store(), op, nullptr); }

    // A whole database, dir_/store.db, opened through `vfs` (the default VFS for nullptr).
    using Db = std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)>;
    Db open_db(const char* vfs) {
        sqlite3* raw = nullptr;
        EXPECT_EQ(sqlite3_open_v2((dir_ / "store.db").c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
                  SQLITE_OK);
        return Db(raw, &sqlite3_close_v2);
    }
    static int exec(sqlite3* db, const std::string& sql) {
        char* error = nullptr;
        int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
        std::string message = error ? error : "";
        sqlite3_free(error);
        EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << message;
        return rc;
    }
    static void expect_intact(sqlite3* db) {
        sqlite3_stmt* raw = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &raw, nullptr), SQLITE_OK);
        ASSERT_EQ(sqlite3_step(raw), SQLITE_ROW);
        EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(raw, 0)), "ok");
        sqlite3_finalize(raw);
    }

    fs::path dir_;
    sqlite3_vfs* vfs_ = nullptr;
    sqlite3_filename names_ = nullptr;
    std::vector<char> store_;  // the sqlite3_files, szOsFile bytes each as SQLite would allocate
    std::vector<char> file_;
    std::string path_;
    bool store_open_ = false;
    bool wal_open_ = false;
};

TEST_F(WalWriteBufferTest, WritesThatFollowOnReachTheFileTogetherAtTheSync) {
    open();
    ASSERT_EQ(write("header..", 0), SQLITE_OK);
    ASSERT_EQ(write("frame-1.", 8), SQLITE_OK);
    ASSERT_EQ(write("frame-2.", 16), SQLITE_OK);
    EXPECT_EQ(on_disk(), "");  // gathered, not yet written
    sync();
    EXPECT_EQ(on_disk(), "header..frame-1.frame-2.");
}

TEST_F(WalWriteBufferTest, AWriteElsewhereFirstWritesWhatWasGathered) {
    open();
    ASSERT_EQ(write("aaaa", 0), SQLITE_OK);
    ASSERT_EQ(write("bbbb", 4), SQLITE_OK);
    ASSERT_EQ(write("AA", 0), SQLITE_OK);  // rewrites the start: what was gathered goes first
    EXPECT_EQ(on_disk(), "aaaabbbb");
    sync();
    EXPECT_EQ(on_disk(), "AAaabbbb");
}

TEST_F(WalWriteBufferTest, ReadsSizesAndTruncationSeeGatheredBytes) {
    open();
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
    open();
    ASSERT_EQ(write("last words", 0), SQLITE_OK);
    close();
    EXPECT_EQ(on_disk(), "last words");
}

TEST_F(WalWriteBufferTest, ALongRunIsWrittenWhole) {
    // Longer than the default VFS takes in one write (it counts a write's size modulo 128 KiB),
    // and longer than what is gathered before it is written anyway.
    open();
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
    open(true);
    ASSERT_EQ(write("page", 0), SQLITE_OK);
    EXPECT_EQ(on_disk(), "page");
}

TEST_F(WalWriteBufferTest, ReleasingTheWalWriteLockWritesWhatWasGathered) {
    open();
    void volatile* shared = nullptr;
    ASSERT_EQ(store()->pMethods->xShmMap(store(), 0, 32768, 1, &shared), SQLITE_OK);
    const int exclusive = SQLITE_SHM_EXCLUSIVE;
    ASSERT_EQ(store()->pMethods->xShmLock(store(), 0, 1, SQLITE_SHM_LOCK | exclusive), SQLITE_OK);
    ASSERT_EQ(store()->pMethods->xShmLock(store(), 3, 1, SQLITE_SHM_LOCK | exclusive), SQLITE_OK);
    ASSERT_EQ(write("spilled frames", 0), SQLITE_OK);
    ASSERT_EQ(store()->pMethods->xShmLock(store(), 3, 1, SQLITE_SHM_UNLOCK | exclusive), SQLITE_OK);
    EXPECT_EQ(on_disk(), "");  // a read lock's release: still gathered
    ASSERT_EQ(store()->pMethods->xShmLock(store(), 0, 1, SQLITE_SHM_UNLOCK | exclusive), SQLITE_OK);
    EXPECT_EQ(on_disk(), "spilled frames");
    ASSERT_EQ(store()->pMethods->xShmUnmap(store(), 1), SQLITE_OK);
}

TEST_F(WalWriteBufferTest, AWalWhoseStoreFileIsNotOpenHereIsWrittenThrough) {
    open(false, false);
    ASSERT_EQ(write("frame", 0), SQLITE_OK);
    EXPECT_EQ(on_disk(), "frame");
}

TEST_F(WalWriteBufferTest, AStoreThroughItIsReadByOtherConnectionsAfterEachCommit) {
    auto writer = open_db(store::sqlite::wal_write_buffer_vfs());
    auto reader = open_db(nullptr);  // another connection, as another process would open it
    ASSERT_EQ(
        sqlite3_exec(writer.get(), "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (v BLOB)",
                     nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_file* wal = nullptr;
    ASSERT_EQ(sqlite3_file_control(writer.get(), "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal), SQLITE_OK);
    EXPECT_TRUE(store::sqlite::gathers_writes(wal));  // the WAL found its connection's store file
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
    expect_intact(reader.get());
}

TEST_F(WalWriteBufferTest, ACheckpointReadsTheWalInChunksUntilItEnds) {
    open();
    std::string log;
    for (int i = 0; i < 9000; ++i) log += static_cast<char>('a' + i % 26);
    ASSERT_EQ(write(log, 0), SQLITE_OK);
    sync();

    checkpoint_control(SQLITE_FCNTL_CKPT_START);
    EXPECT_EQ(read(100, 1000), log.substr(1000, 100));
    EXPECT_EQ(read(100, 1124), log.substr(1124, 100));  // follows on, past a frame header: a chunk from here
    // Changed behind the VFS's back (nothing changes a checkpoint's frames while it runs): a read
    // from the same chunk shows that the chunk, not the file, answered.
    change_on_disk(2000, std::string(100, 'X'));
    EXPECT_EQ(read(100, 2000), log.substr(2000, 100));
    // Past the log's size when the checkpoint began (a frame being appended): read from the file.
    change_on_disk(9000, "appended");
    EXPECT_EQ(read(8, 9000), "appended");
    checkpoint_control(SQLITE_FCNTL_CKPT_DONE);
    EXPECT_EQ(read(100, 2000), std::string(100, 'X'));  // the checkpoint is over: the file again
    // The next checkpoint (after the log may have started over) reads afresh.
    checkpoint_control(SQLITE_FCNTL_CKPT_START);
    EXPECT_EQ(read(100, 2000), std::string(100, 'X'));
    checkpoint_control(SQLITE_FCNTL_CKPT_DONE);
}

TEST_F(WalWriteBufferTest, ACheckpointReadsAheadOnlyWhereItsReadsFollowOn) {
    open();
    ASSERT_EQ(write(std::string(9000, 'a'), 0), SQLITE_OK);
    sync();
    checkpoint_control(SQLITE_FCNTL_CKPT_START);
    EXPECT_EQ(read(100, 5000), std::string(100, 'a'));
    // Out of log order (a page changed many times, its newest frame anywhere): read alone.
    change_on_disk(3000, std::string(200, 'b'));
    EXPECT_EQ(read(100, 3000), std::string(100, 'b'));
    change_on_disk(3200, std::string(100, 'c'));
    EXPECT_EQ(read(100, 3200), std::string(100, 'c'));  // a gap wider than a frame header
    // In log order again: a chunk.
    EXPECT_EQ(read(100, 3300), std::string(100, 'a'));
    change_on_disk(3500, std::string(100, 'd'));
    EXPECT_EQ(read(100, 3500), std::string(100, 'a'));
    checkpoint_control(SQLITE_FCNTL_CKPT_DONE);
}

TEST_F(WalWriteBufferTest, CheckpointsCopyEveryPageAsItIsInTheLog) {
    // Frames of 4 KiB plus a 24-byte header straddle the read-ahead chunks' ends; a reader holding
    // an old snapshot makes the first checkpoint copy only part of the log, after which other
    // connections read what was copied from the store file.
    auto contents = [&](sqlite3* db) {
        std::vector<std::string> rows;
        sqlite3_stmt* raw = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT v FROM t ORDER BY id", -1, &raw, nullptr), SQLITE_OK);
        while (sqlite3_step(raw) == SQLITE_ROW) {
            const auto* bytes = static_cast<const char*>(sqlite3_column_blob(raw, 0));
            rows.emplace_back(bytes, static_cast<std::size_t>(sqlite3_column_bytes(raw, 0)));
        }
        sqlite3_finalize(raw);
        return rows;
    };
    auto writer = open_db(store::sqlite::wal_write_buffer_vfs());
    ASSERT_EQ(exec(writer.get(),
                   "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0;"
                   "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)"),
              SQLITE_OK);
    auto insert = [&](int from, int to) {
        for (int i = from; i < to; ++i) {
            // Sizes from a few bytes to several chunks; some rows rewritten, so that pages have
            // older frames the checkpoint must skip.
            const int size = (i * 7919) % 300000 + 10;
            ASSERT_EQ(exec(writer.get(), "INSERT INTO t (v) VALUES (randomblob(" + std::to_string(size) + "))"),
                      SQLITE_OK);
            if (i % 5 == 0) {
                ASSERT_EQ(exec(writer.get(), "UPDATE t SET v = randomblob(3000) WHERE id = 1"), SQLITE_OK);
            }
        }
    };
    insert(0, 30);
    auto old_snapshot = open_db(nullptr);
    ASSERT_EQ(exec(old_snapshot.get(), "BEGIN; SELECT count(*) FROM t"), SQLITE_OK);
    insert(30, 60);
    const std::vector<std::string> expected = contents(writer.get());
    ASSERT_EQ(expected.size(), 60u);

    int logged = 0;
    int copied = 0;
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(writer.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &logged, &copied), SQLITE_OK);
    EXPECT_GT(copied, 0);
    EXPECT_LT(copied, logged);  // only part of it: the old snapshot still needs the rest
    EXPECT_EQ(contents(open_db(nullptr).get()), expected);

    ASSERT_EQ(exec(old_snapshot.get(), "COMMIT"), SQLITE_OK);
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(writer.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &logged, &copied),
              SQLITE_OK);
    EXPECT_EQ(logged, 0);  // all of it copied, and the log emptied: the store file alone answers
    auto checker = open_db(nullptr);
    EXPECT_EQ(contents(checker.get()), expected);
    expect_intact(checker.get());
}

TEST_F(WalWriteBufferTest, ARolledBackTransactionLeavesNothingBehindToOverwriteLaterCommits) {
    // A transaction larger than the page cache spills frames into the WAL before it commits. If it
    // is rolled back instead, those frames were never synced: bytes gathered for them must not
    // reach the file after the WAL write lock is released, where another connection's commit now
    // lives.
    auto spiller = open_db(store::sqlite::wal_write_buffer_vfs());
    auto other = open_db(store::sqlite::wal_write_buffer_vfs());
    ASSERT_EQ(exec(spiller.get(),
                   "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = 10;"
                   "CREATE TABLE t (v BLOB); INSERT INTO t (v) VALUES (zeroblob(100))"),
              SQLITE_OK);
    ASSERT_EQ(exec(other.get(), "PRAGMA synchronous = FULL"), SQLITE_OK);
    // Everything in the store file and the WAL empty: the rollback then reads no page back from
    // the WAL (a read would write the gathered bytes while the lock is still held).
    ASSERT_EQ(exec(spiller.get(), "PRAGMA wal_checkpoint(TRUNCATE)"), SQLITE_OK);
    ASSERT_EQ(exec(spiller.get(), "BEGIN; INSERT INTO t (v) VALUES (randomblob(300000)); ROLLBACK"), SQLITE_OK);
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(exec(other.get(), "INSERT INTO t (v) VALUES (randomblob(20000))"), SQLITE_OK);
    }
    ASSERT_EQ(exec(spiller.get(), "INSERT INTO t (v) VALUES (zeroblob(100))"), SQLITE_OK);
    spiller.reset();
    other.reset();

    auto checker = open_db(nullptr);
    sqlite3_stmt* raw = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(checker.get(), "SELECT count(*), sum(length(v)) FROM t", -1, &raw, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(raw), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int64(raw, 0), 5);
    EXPECT_EQ(sqlite3_column_int64(raw, 1), 200 + 3 * 20000);
    sqlite3_finalize(raw);
    expect_intact(checker.get());
}

}  // namespace
