// ConnectionThreads: every job runs once; a finished thread takes the next job; spare threads
// are bounded and exit on stop() or after lingering.
#include "common/connection_threads.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>

namespace {

using maild::ConnectionThreads;
using namespace std::chrono_literals;

void wait_until(const std::function<bool()>& condition) {
    while (!condition()) std::this_thread::yield();
}

TEST(ConnectionThreads, AThreadWhoseJobEndedTakesTheNextOne) {
    auto pool = std::make_shared<ConnectionThreads>(256 * 1024, 4, 60s);
    std::thread::id first, second;
    std::latch done_first(1), done_second(1);
    ASSERT_EQ(pool->run([&] {
        first = std::this_thread::get_id();
        done_first.count_down();
    }),
              0);
    done_first.wait();
    wait_until([&] { return pool->spare() == 1; });
    ASSERT_EQ(pool->run([&] {
        second = std::this_thread::get_id();
        done_second.count_down();
    }),
              0);
    done_second.wait();
    EXPECT_EQ(first, second);
    pool->stop();
    wait_until([&] { return pool->spare() == 0; });
}

TEST(ConnectionThreads, ManyJobsAtOnceEachRunOnce) {
    auto pool = std::make_shared<ConnectionThreads>(256 * 1024, 2, 60s);
    constexpr int jobs = 50;
    std::atomic<int> ran{0};
    std::latch all_started(jobs), release(1);
    for (int i = 0; i < jobs; ++i) {
        ASSERT_EQ(pool->run([&] {
            ran.fetch_add(1);
            all_started.count_down();
            release.wait();  // all 50 at once: each needs its own thread
        }),
                  0);
    }
    all_started.wait();
    release.count_down();
    wait_until([&] { return pool->spare() == 2; });  // no more than max_spare stay
    EXPECT_EQ(ran.load(), jobs);
    pool->stop();
    wait_until([&] { return pool->spare() == 0; });
}

TEST(ConnectionThreads, ASpareThreadLeavesAfterLingering) {
    auto pool = std::make_shared<ConnectionThreads>(256 * 1024, 4, 1ms);
    std::latch done(1);
    ASSERT_EQ(pool->run([&] { done.count_down(); }), 0);
    done.wait();
    wait_until([&] { return pool->spare() == 0; });
}

TEST(ConnectionThreads, NoSpareThreadsMeansAThreadPerJob) {
    auto pool = std::make_shared<ConnectionThreads>(256 * 1024, 0, 60s);
    std::latch done(1);
    ASSERT_EQ(pool->run([&] { done.count_down(); }), 0);
    done.wait();
    EXPECT_EQ(pool->spare(), 0u);
}

}  // namespace
