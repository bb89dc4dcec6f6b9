// GroupCommit: concurrent writes share one transaction; each piece fails alone; a failed commit
// fails every piece in it; a lone writer commits on its own thread, and a busy period's later
// batches are committed one after another by the committer thread.
#include "store/group_commit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <latch>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

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

/// A transactor that can hold a given commit open until released, and records which thread ran
/// each commit and whether it failed.
class HeldCommits {
public:
    explicit HeldCommits(GroupCommit::Transactor inner) : inner_(std::move(inner)) {}

    GroupCommit::Transactor transactor() {
        return [this](const std::function<void(sqlite::Database&)>& batch) {
            int number;
            {
                std::unique_lock lock(mutex_);
                number = started_++;
                threads_.push_back(std::this_thread::get_id());
                changed_.notify_all();
                changed_.wait(lock, [&] { return released_ > number; });
            }
            if (number == failing_) throw std::runtime_error("disk full");
            inner_(batch);
        };
    }
    void wait_started(int count) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return started_ >= count; });
    }
    void release(int count) {
        std::lock_guard lock(mutex_);
        released_ = count;
        changed_.notify_all();
    }
    std::thread::id thread_of(int commit) {
        std::lock_guard lock(mutex_);
        return threads_.at(static_cast<std::size_t>(commit));
    }
    void fail(int commit) { failing_ = commit; }

private:
    GroupCommit::Transactor inner_;
    std::mutex mutex_;
    std::condition_variable changed_;
    int started_ = 0, released_ = 0, failing_ = -1;
    std::vector<std::thread::id> threads_;
};

void wait_for_waiting(const GroupCommit& group, std::size_t count) {
    while (group.waiting() < count) std::this_thread::yield();
}

TEST_F(GroupCommitTest, ALoneWriterCommitsOnItsOwnThread) {
    HeldCommits held(transactor());
    held.release(3);
    GroupCommit group(held.transactor(), 64);
    for (int i = 0; i < 3; ++i) group.run(insert(i));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(held.thread_of(i), std::this_thread::get_id());
    EXPECT_EQ(rows(), 3);
}

TEST_F(GroupCommitTest, LaterBatchesFollowEachOtherOnOneCommitterThread) {
    // Commit 0 is a caller's own; the writers waiting behind it are committed by the committer,
    // and so is what arrives while the committer is at work: not by a sender's thread.
    HeldCommits held(transactor());
    GroupCommit group(held.transactor(), 64);
    std::thread first([&] { group.run(insert(0)); });
    const std::thread::id first_id = first.get_id();
    held.wait_started(1);
    std::vector<std::thread> writers;
    std::set<std::thread::id> callers{first_id};
    for (int i = 1; i <= 3; ++i) writers.emplace_back([&, i] { group.run(insert(i)); });
    wait_for_waiting(group, 3);
    held.release(1);
    first.join();  // its caller returns at once, while others' work is still to be committed
    held.wait_started(2);
    for (int i = 4; i <= 6; ++i) writers.emplace_back([&, i] { group.run(insert(i)); });
    wait_for_waiting(group, 3);
    held.release(3);
    for (auto& w : writers) {
        callers.insert(w.get_id());
        w.join();
    }
    EXPECT_EQ(rows(), 7);
    EXPECT_EQ(commits_.load(), 3);
    EXPECT_EQ(held.thread_of(0), first_id);
    EXPECT_EQ(callers.count(held.thread_of(1)), 0u);
    EXPECT_EQ(held.thread_of(2), held.thread_of(1));

    // Once nothing waits, the next lone writer commits on its own thread again. The committer
    // wakes the last batch's callers before it marks itself done; a writer arriving in between
    // would rightly be carried by it.
    while (group.committing()) std::this_thread::yield();
    held.release(4);
    group.run(insert(7));
    EXPECT_EQ(held.thread_of(3), std::this_thread::get_id());
    EXPECT_EQ(rows(), 8);
}

TEST_F(GroupCommitTest, AFailedCommitOnTheCommitterFailsOnlyItsOwnBatch) {
    HeldCommits held(transactor());
    held.fail(1);
    GroupCommit group(held.transactor(), 64);
    std::thread first([&] { group.run(insert(0)); });
    held.wait_started(1);
    std::atomic<int> failed{0};
    std::vector<std::thread> writers;
    for (int i = 1; i <= 3; ++i)
        writers.emplace_back([&, i] {
            try {
                group.run(insert(i));
            } catch (const std::runtime_error&) {
                ++failed;
            }
        });
    wait_for_waiting(group, 3);
    held.release(3);
    first.join();
    for (auto& w : writers) w.join();
    EXPECT_EQ(failed.load(), 3);
    EXPECT_EQ(rows(), 1);
    group.run(insert(1));  // the store carries on
    EXPECT_EQ(rows(), 2);
}

TEST_F(GroupCommitTest, WithoutACommitterThreadTheLeaderCommitsWhatWaits) {
    // When no thread can be started, the caller that led a commit goes on committing the writes
    // queued behind it, batch after batch, before it returns; nothing waits for a thread that
    // does not exist.
    HeldCommits held(transactor());
    int attempts = 0;
    GroupCommit group(held.transactor(), 64, [&](std::function<void()>) -> std::thread {
        ++attempts;
        throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
    });
    std::thread first([&] { group.run(insert(0)); });
    const std::thread::id first_id = first.get_id();
    held.wait_started(1);
    std::vector<std::thread> writers;
    for (int i = 1; i <= 3; ++i) writers.emplace_back([&, i] { group.run(insert(i)); });
    wait_for_waiting(group, 3);
    held.release(1);
    held.wait_started(2);
    for (int i = 4; i <= 5; ++i) writers.emplace_back([&, i] { group.run(insert(i)); });
    wait_for_waiting(group, 2);
    held.release(3);
    first.join();
    for (auto& w : writers) w.join();
    EXPECT_EQ(rows(), 6);
    EXPECT_EQ(commits_.load(), 3);
    EXPECT_EQ(attempts, 1);
    EXPECT_EQ(held.thread_of(0), first_id);
    EXPECT_EQ(held.thread_of(1), first_id);
    EXPECT_EQ(held.thread_of(2), first_id);

    // The next hand-over tries to start the thread again.
    std::thread again([&] { group.run(insert(6)); });
    held.wait_started(4);
    std::thread behind([&] { group.run(insert(7)); });
    wait_for_waiting(group, 1);
    held.release(5);
    again.join();
    behind.join();
    EXPECT_EQ(attempts, 2);
    EXPECT_EQ(rows(), 8);
}

TEST_F(GroupCommitTest, UpkeepWaitsUntilTheCommitsCallersAreAwake) {
    // A lone writer whose commit makes upkeep due returns at once. The committer does the upkeep,
    // and a writer that arrives meanwhile is committed after it.
    auto commit = transactor();
    std::atomic<bool> make_due{true}, due{false};
    std::mutex order_mutex;
    std::vector<std::string> order;
    auto record = [&](const char* what) {
        std::lock_guard lock(order_mutex);
        order.emplace_back(what);
    };
    std::latch upkeep_started{1}, finish_upkeep{1};
    std::atomic<std::thread::id> upkeep_thread{};
    GroupCommit group(
        [&](const auto& batch) {
            commit(batch);
            record("commit");
            if (make_due) due = true;
        },
        64, GroupCommit::start_std_thread,
        GroupCommit::Upkeep{[&] { return due.load(); },
                            [&] {
                                due = false;
                                upkeep_thread = std::this_thread::get_id();
                                upkeep_started.count_down();
                                finish_upkeep.wait();
                                record("upkeep");
                            }});
    group.run(insert(0));  // returns while the upkeep it made due is still held
    upkeep_started.wait();
    EXPECT_NE(upkeep_thread.load(), std::this_thread::get_id());
    make_due = false;
    std::thread writer([&] { group.run(insert(1)); });
    wait_for_waiting(group, 1);
    EXPECT_EQ(rows(), 1);
    finish_upkeep.count_down();
    writer.join();
    EXPECT_EQ(rows(), 2);
    std::lock_guard lock(order_mutex);
    EXPECT_EQ(order, (std::vector<std::string>{"commit", "upkeep", "commit"}));
}

TEST_F(GroupCommitTest, WithoutACommitterThreadTheLeaderDoesTheUpkeep) {
    bool due = false;
    int upkeeps = 0;
    auto commit = transactor();
    GroupCommit group(
        [&](const auto& batch) {
            commit(batch);
            due = true;
        },
        64,
        [](std::function<void()>) -> std::thread {
            throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
        },
        GroupCommit::Upkeep{[&] { return due; },
                            [&] {
                                due = false;
                                ++upkeeps;
                            }});
    group.run(insert(0));
    EXPECT_EQ(upkeeps, 1);  // done before the caller got its answer, as nobody else could
    EXPECT_EQ(rows(), 1);
}

}  // namespace
