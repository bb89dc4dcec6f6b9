// SASL helpers shared by the protocols: base64 (RFC 4648) and PLAIN (RFC 4616: base64 of
// "authzid NUL authcid NUL password").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace maild {

struct PlainCredentials {
    std::string authzid;
    std::string authcid;
    std::string password;
};

/// nullopt for bad base64 or a wrong shape, or an authzid other than empty or the authcid
/// (no proxy logins).
std::optional<PlainCredentials> decode_sasl_plain(std::string_view base64);

/// Strict base64 (RFC 4648 §4, padding required). nullopt on any invalid character.
std::optional<std::string> decode_base64(std::string_view text);
std::string encode_base64(std::string_view bytes);

}  // namespace maild
