// ConnectionThreads: every job runs once; a finished thread takes the next job; spare threads
// are bounded and exit on stop() or after lingering. What jobs touch is owned by the jobs
// (shared_ptr), since a detached thread may still be leaving a latch when the test ends.
#include "common/connection_threads.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <latch>
#include <memory>
#include <thread>

namespace {

using maild::ConnectionThreads;
using namespace std::chrono_literals;

void wait_until(const std::function<bool()>& condition) {
    while (!condition()) std::this_thread::yield();
}

struct Probe {
    explicit Probe(std::ptrdiff_t jobs) : started(jobs) {}
    std::latch started;
    std::latch release{1};
    std::atomic<int> ran{0};
    std::atomic<std::thread::id> last_thread{};
};

ConnectionThreads::Job job(const std::shared_ptr<Probe>& probe, bool hold) {
    return [probe, hold] {
        probe->ran.fetch_add(1);
        probe->last_thread.store(std::this_thread::get_id());
        probe->started.count_down();
        if (hold) probe->release.wait();
    };
}

TEST(ConnectionThreads, AThreadWhoseJobEndedTakesTheNextOne) {
    auto pool = std::make_shared<ConnectionThreads>(256 * 1024, 4, 60s);
    auto first = std::make_shared<Probe>(1), second = std::make_shared<Probe>(1);
    ASSERT_EQ(pool->run(job(first, false)), 0);
    first->started.wait();
    wait_until([&] { return pool->spare() == 1; });
    ASSERT_EQ(pool->run(job(second, false)), 0);
    second->started.wait();
    EXPECT_EQ(first->last_thread.load(), second->last_thread.load());
    pool->stop();
    wait_until([&] { return pool->spare() == 0; });
}

TEST(ConnectionThreads, ManyJobsAtOnceEachRunOnce) {
    auto pool = std::make_shared<ConnectionThreads>(256 * 1024, 2, 60s);
    constexpr int jobs = 50;
    auto probe = std::make_shared<Probe>(jobs);
    for (int i = 0; i < jobs; ++i) ASSERT_EQ(pool->run(job(probe, true)), 0);
    probe->started.wait();  // all 50 at once: each got its own thread
    probe->release.count_down();
    wait_until([&] { return pool->spare() == 2; });  // no more than max_spare stay
    EXPECT_EQ(probe->ran.load(), jobs);
    pool->stop();
    wait_until([&] { return pool->spare() == 0; });
}

TEST(ConnectionThreads, ASpareThreadLeavesAfterLingering) {
    auto pool = std::make_shared<ConnectionThreads>(256 * 1024, 4, 1ms);
    auto probe = std::make_shared<Probe>(1);
    ASSERT_EQ(pool->run(job(probe, false)), 0);
    probe->started.wait();
    wait_until([&] { return pool->spare() == 0; });
}

TEST(ConnectionThreads, NoSpareThreadsMeansAThreadPerJob) {
    auto pool = std::make_shared<ConnectionThreads>(256 * 1024, 0, 60s);
    auto probe = std::make_shared<Probe>(1);
    ASSERT_EQ(pool->run(job(probe, false)), 0);
    probe->started.wait();
    EXPECT_EQ(pool->spare(), 0u);
}

TEST(ConnectionThreads, AfterStopEveryThreadLeavesThroughTheExitHook) {
    // The hook is slow on purpose: waiting for the threads must mean waiting for it too, since
    // that is where a thread frees per-thread library state before the process may end.
    auto exits = std::make_shared<std::atomic<int>>(0);
    auto pool = std::make_shared<ConnectionThreads>(256 * 1024, 4, 60s, [exits] {
        std::this_thread::sleep_for(50ms);
        exits->fetch_add(1);
    });
    constexpr int jobs = 3;
    auto probe = std::make_shared<Probe>(jobs);
    for (int i = 0; i < jobs; ++i) ASSERT_EQ(pool->run(job(probe, true)), 0);
    probe->started.wait();
    EXPECT_EQ(pool->live(), 3u);
    probe->release.count_down();
    wait_until([&] { return pool->spare() == 3; });  // parked, still alive
    EXPECT_EQ(exits->load(), 0);
    pool->stop();
    ASSERT_TRUE(pool->wait_until_exited(10s));
    EXPECT_EQ(exits->load(), jobs);
    EXPECT_EQ(pool->live(), 0u);
}

TEST(ConnectionThreads, WaitingForThreadsGivesUpWhileAJobStillRuns) {
    auto pool = std::make_shared<ConnectionThreads>(256 * 1024, 4, 60s);
    auto probe = std::make_shared<Probe>(1);
    ASSERT_EQ(pool->run(job(probe, true)), 0);
    probe->started.wait();
    pool->stop();
    EXPECT_FALSE(pool->wait_until_exited(20ms));
    EXPECT_EQ(pool->live(), 1u);
    probe->release.count_down();  // the job ends, and its thread leaves instead of parking
    EXPECT_TRUE(pool->wait_until_exited(10s));
    EXPECT_EQ(pool->spare(), 0u);
}

}  // namespace
