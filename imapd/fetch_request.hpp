// The data items of a FETCH command (RFC 3501 §6.4.5), parsed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "imapd/command_reader.hpp"

namespace imap {

struct BodySection {
    enum class Which { whole, header, text, mime, header_fields, header_fields_not };
    bool peek = false;
    std::vector<std::uint32_t> part;  ///< "1.2" → {1, 2}; empty = the whole message
    Which which = Which::whole;
    std::vector<std::string> fields;             ///< for HEADER.FIELDS[.NOT], upper-cased
    std::optional<std::uint32_t> origin, count;  ///< <origin.count>
    /// A legacy RFC822 / RFC822.HEADER / RFC822.TEXT item: named that way in the response.
    std::string legacy_name;

    /// "BODY[1.HEADER.FIELDS (SUBJECT)]<0>" as the response names it.
    std::string response_name() const;
};

struct FetchRequest {
    bool uid = false, flags = false, internal_date = false, size = false, envelope = false;
    bool body = false, body_structure = false;
    std::vector<BodySection> sections;

    bool sets_seen() const;
    bool needs_message() const { return envelope || body || body_structure || !sections.empty(); }
};

/// Reads a fetch-att, or a parenthesized list of them, or a macro (ALL, FAST, FULL).
/// nullopt with reader.error() set on a syntax error.
std::optional<FetchRequest> read_fetch_request(CommandReader& reader);

}  // namespace imap
