#include "store/group_commit.hpp"

#include <algorithm>

namespace store {

GroupCommit::GroupCommit(Transactor transactor, std::size_t max_batch)
    : transactor_(std::move(transactor)), max_batch_(std::max<std::size_t>(1, max_batch)) {}

void GroupCommit::run(const Work& work) {
    Job job(&work);
    std::unique_lock lock(mutex_);
    waiting_.push_back(&job);
    if (committing_) {
        // Posted exactly once: when our work is committed, or when it is our turn to lead (then
        // committing_ was left true for us). Waiting outside the mutex means the leader's wake-up
        // does not make us queue for the mutex it still holds.
        lock.unlock();
        job.wake.wait();
        if (job.done) {
            if (job.error) std::rethrow_exception(job.error);
            return;
        }
        lock.lock();
    } else {
        committing_ = true;
    }
    // Lead: we are first in line (nobody leads while others wait). Take what is waiting, oldest
    // first, and commit it together.
    std::size_t count = std::min(waiting_.size(), max_batch_);
    std::vector<Job*> batch(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(count));
    waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(count));
    lock.unlock();
    commit_batch(batch);
    lock.lock();
    for (Job* j : batch) j->done = true;
    // Hand the lead to the oldest waiter, if any: committing_ stays true so that nobody arriving
    // now leads instead and that waiter is posted once only.
    Job* next = waiting_.empty() ? nullptr : waiting_.front();
    committing_ = next != nullptr;
    lock.unlock();
    // The next leader first: the commit pipeline is what every waiting sender is queued behind.
    if (next) next->wake.post();
    for (Job* j : batch) {
        if (j != &job) j->wake.post();  // j may return (and its Job go) once posted: touch it no more
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
