// The parsed-message types imapd uses, from the shared message library (store/message).
#pragma once

#include "store/message/mime_tree.hpp"

namespace imap {

using message::header_value;
using message::HeaderField;
using message::iequals_ascii;
using message::MimePart;
using message::Parameters;
using message::parse_header;
using message::parse_message;

}  // namespace imap
