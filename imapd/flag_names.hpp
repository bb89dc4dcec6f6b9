// IMAP flag names (RFC 3501 §2.3.2) and the store's flag bits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imapd/command_reader.hpp"

namespace imap {

/// The bit of a system flag ("\Seen" in any case), nullopt for keywords and unknown \flags.
std::optional<std::uint32_t> system_flag_bit(std::string_view name);
/// True for a valid keyword: atom characters and no backslash (RFC 3501 flag-keyword).
bool is_keyword(std::string_view name);
struct FlagSet {
    std::uint32_t flags = 0;            ///< system flag bits
    std::vector<std::string> keywords;  ///< as written
};

/// Reads flags for APPEND and STORE: "(\Seen $Work)", or with parentheses optional (STORE) a
/// space-separated list to the end of the command. \Recent and unknown \flags are refused:
/// nullopt, with reader.error() saying which.
std::optional<FlagSet> read_flag_list(CommandReader& reader, bool parentheses_optional);

/// "(\Seen \Flagged $Label)" for a message; recent adds \Recent.
std::string flag_list(std::uint32_t flags, const std::vector<std::string>& keywords, bool recent);
/// The same, appended to out (no string of its own: FETCH builds 100,000s of these at once).
void append_flag_list(std::string& out, std::uint32_t flags, const std::vector<std::string>& keywords, bool recent);

}  // namespace imap
