// Turning message text into searchable UTF-8: RFC 2047 encoded words, Content-Transfer-Encoding
// (base64, quoted-printable) and the common charsets; and a case fold for matching.
#pragma once

#include <string>
#include <string_view>

namespace message {

/// "=?utf-8?Q?Caf=C3=A9?=" → "Café". Malformed words stay as they are.
std::string decode_encoded_words(std::string_view text);
/// Body bytes decoded per Content-Transfer-Encoding ("base64", "quoted-printable"; others as is).
std::string decode_transfer_encoding(std::string_view body, std::string_view encoding);
/// Bytes in charset → UTF-8: UTF-8 and US-ASCII pass, ISO-8859-1/Latin-1 and Windows-1252 are
/// converted; other charsets pass unchanged (still searchable for their ASCII text).
std::string to_utf8(std::string_view bytes, std::string_view charset);
/// Lower-cases ASCII, Latin-1, Greek and Cyrillic letters in UTF-8 text (SEARCH is
/// case-insensitive, RFC 3501 §6.4.4); other characters are kept.
std::string fold_case(std::string_view utf8);

}  // namespace message
