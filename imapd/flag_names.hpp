// IMAP flag names (RFC 3501 §2.3.2) and the store's flag bits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imap {

/// The bit of a system flag ("\Seen" in any case), nullopt for keywords and unknown \flags.
std::optional<std::uint32_t> system_flag_bit(std::string_view name);
/// True for a valid keyword: atom characters and no backslash (RFC 3501 flag-keyword).
bool is_keyword(std::string_view name);
/// "(\Seen \Flagged $Label)" for a message; recent adds \Recent.
std::string flag_list(std::uint32_t flags, const std::vector<std::string>& keywords, bool recent);

}  // namespace imap
