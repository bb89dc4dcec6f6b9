// GroupCommit: concurrent writes share one transaction; each piece fails alone; a failed commit
// fails every piece in it.
#include "store/group_commit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "store/sqlite.hpp"

namespace {

using store::GroupCommit;
namespace sqlite = store::sqlite;

class GroupCommitTest : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() /
                ("maild-group-commit-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
        std::filesystem::remove(path_);
        db_ = std::make_unique<sqlite::Database>(path_, true);
        db_->exec("CREATE TABLE t (v INTEGER NOT NULL UNIQUE)");
    }
    void TearDown() override {
        db_.reset();
        std::filesystem::remove(path_);
    }

    /// A transactor like the store's: one write transaction, committed; counts commits.
    GroupCommit::Transactor transactor() {
        return [this](const std::function<void(sqlite::Database&)>& batch) {
            std::lock_guard lock(write_mutex_);
            sqlite::Transaction transaction(*db_, sqlite::Transaction::Mode::write);
            batch(*db_);
            if (fail_commit_) throw std::runtime_error("disk full");
            transaction.commit();
            ++commits_;
        };
    }

    std::int64_t rows() {
        sqlite::Statement s(*db_, "SELECT count(*) FROM t");
        s.step();
        return s.int64(0);
    }

    static GroupCommit::Work insert(int v) {
        return [v](sqlite::Database& db) { sqlite::Statement(db, "INSERT INTO t (v) VALUES (?1)").bind(1, v).run(); };
    }

    std::filesystem::path path_;
    std::unique_ptr<sqlite::Database> db_;
    std::mutex write_mutex_;
    std::atomic<int> commits_{0};
    bool fail_commit_ = false;
};

TEST_F(GroupCommitTest, EveryWriteFromManyThreadsIsCommitted) {
    GroupCommit group(transactor(), 64);
    constexpr int threads = 8, per_thread = 50;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) group.run(insert(t * 1000 + i));
        });
    for (auto& w : workers) w.join();
    EXPECT_EQ(rows(), threads * per_thread);
    EXPECT_LE(commits_.load(), threads * per_thread);
}

TEST_F(GroupCommitTest, WritesArrivingDuringACommitShareTheNextOne) {
    // The first commit is held open until five more writers are waiting; they must then go
    // together in one commit.
    std::latch first_started(1), others_waiting(1);
    bool first = true;
    auto inner = transactor();
    GroupCommit group(
        [&](const std::function<void(sqlite::Database&)>& batch) {
            if (first) {
                first = false;
                first_started.count_down();
                others_waiting.wait();
            }
            inner(batch);
        },
        64);
    std::thread leader([&] { group.run(insert(0)); });
    first_started.wait();
    std::vector<std::thread> followers;
    for (int i = 1; i <= 5; ++i) followers.emplace_back([&, i] { group.run(insert(i)); });
    while (group.waiting() < 5) std::this_thread::yield();
    others_waiting.count_down();
    leader.join();
    for (auto& f : followers) f.join();
    EXPECT_EQ(rows(), 6);
    EXPECT_EQ(commits_.load(), 2);
}

TEST_F(GroupCommitTest, AFailingPieceRollsBackAloneAndGetsItsError) {
    GroupCommit group(transactor(), 64);
    group.run(insert(7));
    EXPECT_THROW(group.run(insert(7)), store::StoreError);  // UNIQUE violation: its own error
    group.run([](sqlite::Database& db) { sqlite::Statement(db, "INSERT INTO t (v) VALUES (8)").run(); });
    EXPECT_THROW(group.run([](sqlite::Database& db) {
        sqlite::Statement(db, "INSERT INTO t (v) VALUES (9)").run();
        throw std::runtime_error("half done");  // the row above must not stay
    }),
                 std::runtime_error);
    EXPECT_EQ(rows(), 2);
}

TEST_F(GroupCommitTest, AFailedCommitFailsEveryPieceAndStoresNothing) {
    GroupCommit group(transactor(), 64);
    fail_commit_ = true;
    EXPECT_THROW(group.run(insert(1)), std::runtime_error);
    fail_commit_ = false;
    EXPECT_EQ(rows(), 0);
    group.run(insert(1));
    EXPECT_EQ(rows(), 1);
}

}  // namespace
