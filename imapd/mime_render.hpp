// ENVELOPE and BODYSTRUCTURE / BODY (RFC 3501 §7.4.2) written from a parsed message.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imapd/message_types.hpp"

namespace imap {

struct Address {
    std::optional<std::string> name, adl, mailbox, host;
};

/// RFC 5322 address-list, leniently: display names, comments, routes, groups (a group start is
/// (NIL NIL "group" NIL), its end (NIL NIL NIL NIL)); an address without a domain gets host
/// "MISSING_DOMAIN" as Dovecot does.
std::vector<Address> parse_address_list(std::string_view text);

/// The ENVELOPE of the message whose header block starts at part.header_begin.
std::string render_envelope(std::string_view raw, const MimePart& part);
/// BODYSTRUCTURE (extensible) or BODY (not).
std::string render_body_structure(std::string_view raw, const MimePart& part, bool extensible);

}  // namespace imap
