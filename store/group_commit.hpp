// Group commit: writes submitted at the same time share one transaction and so one fsync.
//
// Each caller hands in its work and blocks. The first caller to find no commit under way becomes
// the leader: it takes every waiting piece of work, runs each inside its own SAVEPOINT of one write
// transaction (so one failing piece rolls back alone), commits once, and wakes the callers whose
// work it carried. Work that arrives while a commit is under way waits for the next one, led by
// the oldest waiter, to whom the leader hands the lead. Each waiter is woken once (done, or lead)
// by a semaphore posted after the mutex is released. A caller returns only after the transaction
// holding its work is durably committed, so an SMTP 250 sent after it is still sent only for mail
// on disk; if the commit fails, every caller in it gets the error and nothing of theirs is stored.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
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

    GroupCommit(Transactor transactor, std::size_t max_batch);

    /// Runs work in a shared write transaction; returns once it is durably committed. Rethrows
    /// the work's own exception (its changes rolled back) or the commit's.
    void run(const Work& work);

    /// Pieces of work waiting for the next commit.
    std::size_t waiting() const;

private:
    struct Job {
        explicit Job(const Work* w) : work(w) {}
        const Work* work;
        std::exception_ptr error;
        bool done = false;  // set under mutex_ before wake is posted; read by the caller after
        Semaphore wake;     // posted at most once: done, or its turn to lead
    };
    void commit_batch(const std::vector<Job*>& batch);

    Transactor transactor_;
    std::size_t max_batch_;
    mutable std::mutex mutex_;
    std::vector<Job*> waiting_;  // guarded by mutex_
    bool committing_ = false;    // guarded by mutex_: a leader is at work
};

}  // namespace store
