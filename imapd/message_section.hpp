// Which bytes BODY[section] names (RFC 3501 §6.4.5), including parts nested inside
// message/rfc822 parts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "imapd/fetch_request.hpp"
#include "imapd/message_types.hpp"

namespace imap {

/// The section's bytes (before any <partial>), or nullopt when the part does not exist.
std::optional<std::string> extract_section(std::string_view raw, const MimePart& root, const BodySection& section);

/// The header fields of [begin, end) named in fields (or, with exclude, all others), as raw
/// lines in their original order, followed by the blank line.
std::string filter_header(std::string_view raw, std::size_t begin, std::size_t end,
                          const std::vector<std::string>& fields, bool exclude);

}  // namespace imap
