// What an SMTP session takes from its surroundings besides the mail drop: queue ids and the clock.
// Injected so tests get fixed values.
#pragma once

#include <ctime>
#include <functional>
#include <string>

namespace smtp {

struct SessionEnv {
    std::function<std::string()> new_queue_id;
    std::function<std::time_t()> now;

    /// Queue ids unique across the process's life and across restarts; the real clock.
    static SessionEnv system();
};

/// A fresh queue id, e.g. "6743A1F20B1C4D2E": microsecond time, pid and a per-process counter.
std::string make_queue_id();

}  // namespace smtp
