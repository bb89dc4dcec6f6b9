// Envelope addresses (RFC 5321 §4.1.2 Mailbox, RFC 6531 for UTF-8): syntax checks and the split
// into local part and domain. Lenient where real senders are sloppy, strict where it matters:
// a recipient must have a domain, and nothing with spaces, controls or brackets passes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace smtp {

struct Mailbox {
    std::string local;   ///< as given (case preserved; quoted local parts keep their quotes)
    std::string domain;  ///< lower-cased (ASCII letters only; U-labels kept as sent)
    std::string address() const { return local + "@" + domain; }
};

enum class AddressProblem { none, missing_domain, bad_syntax, bad_utf8 };

struct ParsedMailbox {
    AddressProblem problem = AddressProblem::none;
    Mailbox mailbox;
};

/// Parses "local@domain" (no angle brackets, source route already removed).
ParsedMailbox parse_mailbox(std::string_view address);

/// True when text has a byte >= 0x80 (needs SMTPUTF8, RFC 6531 §3.4).
bool has_non_ascii(std::string_view text);
/// True when text is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view text);
std::string ascii_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);

}  // namespace smtp
