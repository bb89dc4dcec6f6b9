// LIST/LSUB mailbox patterns (RFC 3501 §6.3.8): '*' matches anything, '%' anything but the
// hierarchy delimiter '/'. INBOX matches case-insensitively.
#pragma once

#include <string>
#include <string_view>

namespace imap {

/// The pattern a LIST reference and mailbox argument combine into (reference + mailbox, with
/// a '/' between when needed).
std::string combine_list_pattern(std::string_view reference, std::string_view mailbox);

/// True when name matches pattern. Runs in O(|name| * |pattern|) whatever the pattern.
bool list_pattern_matches(std::string_view pattern, std::string_view name);

}  // namespace imap
