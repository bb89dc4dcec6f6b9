// Group commit: writes submitted at the same time share one transaction and so one fsync.
//
// Each caller hands in its work and blocks until the transaction holding it is durably committed,
// so an SMTP 250 sent after it is still sent only for mail on disk. A caller that finds no commit
// under way commits its own work at once, on its own thread: a lone writer pays no hand-over.
// Work that arrives while a commit is under way waits; when that commit ends, its thread hands
// everything waiting to the store's committer thread and returns to its own client. The committer
// takes every waiting piece of work, runs each inside its own SAVEPOINT of one write transaction
// (so one failing piece rolls back alone), commits once, wakes the callers whose work it carried,
// and goes on with what arrived meanwhile until nothing waits. Under steady load commits thus
// follow each other on one thread that never sleeps between them, instead of each commit first
// waking a sender's thread to lead it. If that thread cannot be started, the caller that led the
// commit goes on committing what waits itself (and the next hand-over tries again). If the commit
// fails, every caller in it gets the error and nothing of theirs is stored.
//
// Between two batches the committer yields the CPU once, so that the callers it has just woken
// send their replies before it starts on the next batch (see commit_until_idle).
//
// Upkeep of the write connection that no caller needs to wait for (a checkpoint of the log) is
// done by the committer after it has woken the callers of a batch, before it takes the next one:
// the writers that arrive meanwhile wait for it, as they would wait for any commit under way.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/semaphore.hpp"
#include "store/sqlite.hpp"

namespace store {

using maild::Semaphore;

class GroupCommit {
public:
    using Work = std::function<void(sqlite::Database&)>;
    /// Runs `batch` inside one write transaction on the write connection and commits it.
    using Transactor = std::function<void(const std::function<void(sqlite::Database&)>& batch)>;
    /// Starts the committer thread running body; throws std::system_error when it cannot.
    using ThreadStarter = std::function<std::thread(std::function<void()> body)>;
    /// `due` says whether there is upkeep to do, `run` does it (and must not throw). Both are
    /// called only by the thread that commits, while no commit is under way.
    struct Upkeep {
        std::function<bool()> due;
        std::function<void()> run;
    };

    GroupCommit(Transactor transactor, std::size_t max_batch, ThreadStarter start_thread = start_std_thread,
                Upkeep upkeep = {});
    /// Waits for the committer thread, if one was started. No run() may be under way.
    ~GroupCommit();
    GroupCommit(const GroupCommit&) = delete;
    GroupCommit& operator=(const GroupCommit&) = delete;

    /// Runs work in a shared write transaction; returns once it is durably committed. Rethrows
    /// the work's own exception (its changes rolled back) or the commit's.
    void run(const Work& work);

    /// Pieces of work waiting for the next commit.
    std::size_t waiting() const;
    /// A commit is under way, by a caller or the committer; what arrives now waits for it.
    bool committing() const;

    static std::thread start_std_thread(std::function<void()> body) { return std::thread(std::move(body)); }

private:
    struct Job {
        explicit Job(const Work* w) : work(w) {}
        const Work* work;
        std::exception_ptr error;
        Semaphore done;  // posted once, after the commit that carried this job
    };
    /// Up to max_batch_ waiting jobs, oldest first, taken off the queue. Needs mutex_.
    std::vector<Job*> take_batch();
    void commit_batch(const std::vector<Job*>& batch);
    /// Commits and wakes batch after batch, with upkeep between them when it is due, until
    /// nothing waits, then ends the commit under way. Called with lock held on mutex_; returns
    /// with it held.
    void commit_until_idle(std::unique_lock<std::mutex>& lock);
    bool upkeep_due() const { return upkeep_.due && upkeep_.due(); }
    /// Passes what waits to the committer thread, starting it the first time. Needs mutex_;
    /// false when the thread could not be started.
    bool hand_to_committer();
    void committer_loop();

    Transactor transactor_;
    std::size_t max_batch_;
    ThreadStarter start_thread_;
    Upkeep upkeep_;
    mutable std::mutex mutex_;
    std::vector<Job*> waiting_;  // guarded by mutex_
    bool committing_ = false;    // guarded by mutex_: a caller or the committer is at work
    bool stopping_ = false;      // guarded by mutex_: the destructor asks the committer to end
    Semaphore committer_turn_;   // posted when the committer is handed the queue, or must stop
    std::thread committer_;      // started on the first hand-over
};

}  // namespace store
