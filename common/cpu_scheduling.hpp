// Which Linux scheduling policy the daemons' threads run under. Every SMTP or IMAP round trip
// wakes a connection thread; under the default policy that thread preempts whoever woke it (the
// client, or the thread that finished a group commit), so each hand-over costs two context
// switches instead of one. SCHED_BATCH keeps the same share of CPU and the same nice value but
// lets a woken thread wait for the running one to block or use up its slice: measured with
// smtp-source on 2 cores, 15% more messages per second at 8 sessions and a fifth less CPU per
// message. No privilege is needed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace maild {

enum class CpuScheduling {
    batch,   ///< SCHED_BATCH, when the daemon was started under the default policy
    normal,  ///< whatever policy the daemon was started with (SCHED_OTHER, or what systemd set)
};

/// "batch" or "normal"; nullopt otherwise.
std::optional<CpuScheduling> parse_cpu_scheduling(std::string_view text);

/// Applies policy to the calling thread; threads it creates afterwards inherit it, so call it
/// before the first thread starts. A process started under another policy than SCHED_OTHER
/// (chrt, systemd's CPUSchedulingPolicy=) keeps it. Returns an empty string, or why the policy
/// could not be applied (for a warning; the daemon carries on under its current policy).
std::string apply_cpu_scheduling(CpuScheduling policy);

}  // namespace maild
