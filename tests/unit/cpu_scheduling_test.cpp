#include "common/cpu_scheduling.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace {

using maild::apply_cpu_scheduling;
using maild::CpuScheduling;
using maild::parse_cpu_scheduling;

/// Runs fn on a fresh thread, so that a policy it sets dies with that thread and not the test's.
template <typename Fn>
void on_own_thread(Fn fn) {
    std::thread thread(fn);
    thread.join();
}

TEST(CpuScheduling, ParsesBothPoliciesAndNothingElse) {
    EXPECT_EQ(parse_cpu_scheduling("batch"), CpuScheduling::batch);
    EXPECT_EQ(parse_cpu_scheduling("normal"), CpuScheduling::normal);
    EXPECT_FALSE(parse_cpu_scheduling("Batch"));
    EXPECT_FALSE(parse_cpu_scheduling("fifo"));
    EXPECT_FALSE(parse_cpu_scheduling(""));
}

TEST(CpuScheduling, BatchAppliesToTheThreadAndToThreadsItStartsAfterwards) {
    on_own_thread([] {
        ASSERT_EQ(sched_getscheduler(0), SCHED_OTHER);
        EXPECT_EQ(apply_cpu_scheduling(CpuScheduling::batch), "");
        EXPECT_EQ(sched_getscheduler(0), SCHED_BATCH);
        int child_policy = -1;
        std::thread child([&] { child_policy = sched_getscheduler(0); });
        child.join();
        EXPECT_EQ(child_policy, SCHED_BATCH);
    });
}

TEST(CpuScheduling, NormalLeavesThePolicyAlone) {
    on_own_thread([] {
        EXPECT_EQ(apply_cpu_scheduling(CpuScheduling::normal), "");
        EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
    });
}

TEST(CpuScheduling, APolicyChosenBeforeStartIsKept) {
    on_own_thread([] {
        const sched_param param{};
        ASSERT_EQ(sched_setscheduler(0, SCHED_IDLE, &param), 0);  // as `chrt --idle` would
        EXPECT_EQ(apply_cpu_scheduling(CpuScheduling::batch), "");
        EXPECT_EQ(sched_getscheduler(0), SCHED_IDLE);
    });
}

}  // namespace
