// The fuzz targets' bodies, shared by the libFuzzer binaries (scripts/fuzz) and the unit test
// that replays every corpus and regression input on each normal test run.
#pragma once

#include <cstddef>
#include <cstdint>

namespace maild::fuzz {

/// An SMTP session (with a fake mail drop and logins) fed the input in pieces.
void smtp_session(const std::uint8_t* data, std::size_t size);
/// The IMAP framer and every argument reader over each framed command.
void imap_command(const std::uint8_t* data, std::size_t size);
/// An IMAP session on a temporary store, before or after login (first byte decides).
void imap_session(const std::uint8_t* data, std::size_t size);
/// The message parser and everything FETCH and SEARCH derive from it.
void mime_message(const std::uint8_t* data, std::size_t size);

}  // namespace maild::fuzz
