#include "store/group_commit.hpp"

#include <algorithm>

namespace store {

GroupCommit::GroupCommit(Transactor transactor, std::size_t max_batch)
    : transactor_(std::move(transactor)), max_batch_(std::max<std::size_t>(1, max_batch)) {}

void GroupCommit::run(const Work& work) {
    Job job{&work, nullptr, false, {}};
    std::unique_lock lock(mutex_);
    waiting_.push_back(&job);
    while (!job.done) {
        if (committing_) {
            // Woken only when our work is committed or it is our turn to lead: with thousands of
            // sessions, waking every waiter after every commit would cost more than the commits.
            job.wake.wait(lock);
            continue;
        }
        // Lead: take what is waiting (ours among it, oldest first) and commit it together.
        committing_ = true;
        std::size_t count = std::min(waiting_.size(), max_batch_);
        std::vector<Job*> batch(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(count));
        waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(count));
        lock.unlock();
        commit_batch(batch);
        lock.lock();
        committing_ = false;
        for (Job* j : batch) {
            j->done = true;
            if (j != &job) j->wake.notify_one();
        }
        // The oldest waiter leads next (ours may still be waiting if the batch was full).
        if (!waiting_.empty() && waiting_.front() != &job) waiting_.front()->wake.notify_one();
    }
    if (job.error) std::rethrow_exception(job.error);
}

std::size_t GroupCommit::waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
}

void GroupCommit::commit_batch(const std::vector<Job*>& batch) {
    try {
        transactor_([&](sqlite::Database& db) {
            for (Job* job : batch) {
                sqlite::Savepoint savepoint(db);
                try {
                    (*job->work)(db);
                    savepoint.release();
                } catch (...) {
                    job->error = std::current_exception();  // the savepoint rolls back its changes
                }
            }
        });
    } catch (...) {
        // The transaction did not commit: nothing in it is stored, whatever each piece did.
        for (Job* job : batch) job->error = std::current_exception();
    }
}

}  // namespace store
