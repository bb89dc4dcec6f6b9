#include "common/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace maild::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::mutex g_program_mu;
std::string g_program = "maild";  // guarded by g_program_mu

const char* level_name(Level level) {
    switch (level) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warn: return "warn";
        case Level::error: return "error";
        case Level::off: break;
    }
    return "off";
}

}  // namespace

std::optional<Level> parse_level(std::string_view name) {
    if (name == "debug") return Level::debug;
    if (name == "info") return Level::info;
    if (name == "warn" || name == "warning") return Level::warn;
    if (name == "error") return Level::error;
    if (name == "off") return Level::off;
    return std::nullopt;
}

void set_program(std::string_view name) {
    std::lock_guard lock(g_program_mu);
    g_program = std::string(name);
}

void set_level(Level level) { g_level.store(level); }
Level level() { return g_level.load(); }
bool enabled(Level l) { return l >= g_level.load() && l != Level::off; }

void write(Level l, std::uint64_t conn_id, std::string_view message) {
    if (!enabled(l)) return;
    using namespace std::chrono;
    auto now = system_clock::now();
    std::time_t secs = system_clock::to_time_t(now);
    auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[80];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
    std::string line;
    line.reserve(message.size() + 64);
    line += stamp;
    line += ' ';
    {
        std::lock_guard lock(g_program_mu);
        line += g_program;
    }
    line += '[';
    static const pid_t pid = ::getpid();  // the daemons never fork: one getpid, not one per line
    line += std::to_string(pid);
    line += "] ";
    line += level_name(l);
    if (conn_id != 0) {
        line += " conn=";
        line += std::to_string(conn_id);
    }
    line += ' ';
    line += message;
    line += '\n';
    // One write(2) per line keeps lines from different threads whole.
    std::size_t done = 0;
    while (done < line.size()) {
        ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        done += static_cast<std::size_t>(n);
    }
}

std::string sanitize(std::string_view text, std::size_t max_bytes) {
    std::string out;
    bool cut = text.size() > max_bytes;
    if (cut) text = text.substr(0, max_bytes);
    out.reserve(text.size());
    static constexpr char hex[] = "0123456789abcdef";
    for (unsigned char c : text) {
        if (c >= 0x20 && c != 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    if (cut) out += "...";
    return out;
}

}  // namespace maild::log
