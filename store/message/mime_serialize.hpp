// The parsed structure of a message in a compact binary form, kept in the store beside the raw
// bytes, so a message is parsed once (at delivery or APPEND) and never again for FETCH.
//
// Format: a version byte, then the parts in pre-order; numbers as LEB128 varints, strings as a
// length and bytes, optional strings with a presence byte. deserialize_structure checks every
// length and returns nullopt for anything malformed (or of another version): callers then parse
// the raw message again.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/message/mime_tree.hpp"

namespace message {

std::string serialize_structure(const MimePart& root);
std::optional<MimePart> deserialize_structure(std::string_view bytes);
/// True when every offset in the structure lies within a message of raw_size bytes (a stored
/// structure is only trusted for the message it was built from).
bool structure_fits(const MimePart& root, std::size_t raw_size);
/// parse_message + serialize_structure: the store's structure builder.
std::string build_structure(std::string_view raw);

}  // namespace message
