// How strings go on the wire in IMAP responses (RFC 3501 §4.3): atom when safe, quoted string
// when printable 7-bit, literal otherwise (CR, LF, NUL, 8-bit, or very long).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace imap {

/// A string (quoted or literal, never an atom).
std::string quote_string(std::string_view text);
/// NIL or a string.
std::string quote_nstring(const std::optional<std::string>& text);
/// An atom when every character is an ATOM-CHAR (and it is not "NIL"), else a string.
std::string quote_astring(std::string_view text);

}  // namespace imap
