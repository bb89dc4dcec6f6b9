// A parsed message (RFC 5322 header, MIME structure RFC 2045/2046) as byte ranges into the raw
// message: what ENVELOPE, BODYSTRUCTURE, BODY[section] and SEARCH need. The raw bytes are never
// copied; parts are found by scanning for boundaries with memchr/find (linear in the size).
// Nesting deeper than max_depth is treated as an opaque leaf, so hostile input cannot exhaust
// the stack. CRLF and bare-LF messages are both understood.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace message {

using Parameters = std::vector<std::pair<std::string, std::string>>;

struct MimePart {
    std::size_t header_begin = 0;  ///< offsets into the raw message
    std::size_t body_begin = 0;    ///< first byte after the blank line ending the header
    std::size_t body_end = 0;
    std::string type = "text";  ///< as written in Content-Type (defaults lower-case)
    std::string subtype = "plain";
    Parameters parameters;  ///< Content-Type parameters, values unquoted
    bool type_given = false;
    std::optional<std::string> id, description, encoding, md5, language, location;
    std::optional<std::string> disposition;
    Parameters disposition_parameters;
    std::size_t lines = 0;           ///< text lines in the body
    std::vector<MimePart> children;  ///< parts of a multipart, or the one encapsulated message

    bool is_multipart() const;
    bool is_message_rfc822() const;
    std::size_t header_size() const { return body_begin - header_begin; }
    std::size_t body_size() const { return body_end - body_begin; }
};

/// Parses a whole message; the root describes the top-level body.
MimePart parse_message(std::string_view raw, std::size_t max_depth = 50);

/// Where the header block starting at begin ends: the offset of its body (after the blank
/// line), or end when no blank line comes before end.
std::size_t find_body(std::string_view raw, std::size_t begin, std::size_t end);

/// Header fields of the header block starting at begin (up to the blank line).
struct HeaderField {
    std::string name;                ///< as written
    std::string value;               ///< unfolded (CRLF + WSP → WSP), leading blanks trimmed
    std::size_t begin = 0, end = 0;  ///< the raw field including its line break(s)
};
std::vector<HeaderField> parse_header(std::string_view raw, std::size_t begin, std::size_t end);
/// The first field with this name (case-insensitive).
std::optional<std::string> header_value(const std::vector<HeaderField>& fields, std::string_view name);

bool iequals_ascii(std::string_view a, std::string_view b);

}  // namespace message
