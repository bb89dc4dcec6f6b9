// Logging: one line per event on stderr, as systemd's journal expects.
//
// Format: `<UTC time> <program>[<pid>] <level> conn=<id> <message>`; messages are key=value
// where that helps grepping (OpenSMTPD style). Thread-safe: each line is one write(2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace maild::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

/// Parses "debug", "info", "warn"/"warning", "error", "off"; nullopt otherwise.
std::optional<Level> parse_level(std::string_view name);

void set_program(std::string_view name);
void set_level(Level level);
Level level();
bool enabled(Level level);

/// conn_id 0 means "not about one connection".
void write(Level level, std::uint64_t conn_id, std::string_view message);

inline void debug(std::uint64_t conn, std::string_view m) { write(Level::debug, conn, m); }
inline void info(std::uint64_t conn, std::string_view m) { write(Level::info, conn, m); }
inline void warn(std::uint64_t conn, std::string_view m) { write(Level::warn, conn, m); }
inline void error(std::uint64_t conn, std::string_view m) { write(Level::error, conn, m); }

/// Makes a client-supplied string safe for a log line: control bytes, DEL and backslash become
/// \xNN (bytes >= 0x80 pass, so UTF-8 stays readable), cut at max_bytes with "..." appended.
std::string sanitize(std::string_view text, std::size_t max_bytes = 200);

}  // namespace maild::log
