#include "common/cpu_scheduling.hpp"

#include <sched.h>

#include <cerrno>
#include <cstring>

namespace maild {

std::optional<CpuScheduling> parse_cpu_scheduling(std::string_view text) {
    if (text == "batch") return CpuScheduling::batch;
    if (text == "normal") return CpuScheduling::normal;
    return std::nullopt;
}

std::string apply_cpu_scheduling(CpuScheduling policy) {
    if (policy == CpuScheduling::normal) return {};
    const int current = ::sched_getscheduler(0);
    if (current < 0) return std::string("sched_getscheduler: ") + std::strerror(errno);
    if (current != SCHED_OTHER) return {};  // the administrator chose a policy: keep it
    const sched_param param{};              // priority 0, the only one SCHED_BATCH has; the nice value stays
    if (::sched_setscheduler(0, SCHED_BATCH, &param) != 0) {
        return std::string("sched_setscheduler(SCHED_BATCH): ") + std::strerror(errno);
    }
    return {};
}

}  // namespace maild
