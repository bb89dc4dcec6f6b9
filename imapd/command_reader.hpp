// Reads the arguments of one framed IMAP command (RFC 3501 §9 formal syntax), left to right.
//
// Each read either succeeds and advances, or fails, leaves the position alone and records why
// (error()), which the session sends back in a BAD reply. Literals appear in their wire form
// (`{n}\r\n` + n bytes, or `{n+}`), as CommandFramer delivers them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imap {

class CommandReader {
public:
    explicit CommandReader(std::string_view text) : text_(text) {}

    bool at_end() const { return pos_ >= text_.size(); }
    /// Exactly one space.
    bool space();
    /// True (and consumed) when the next character is c.
    bool consume(char c);
    bool peek(char c) const { return !at_end() && text_[pos_] == c; }
    /// Consumes a word case-insensitively if it comes next (e.g. "UID", ".SILENT").
    bool keyword(std::string_view word);

    /// The command tag: ASTRING-CHAR except '+'.
    std::optional<std::string> tag();
    /// An atom (ATOM-CHAR+), as written.
    std::optional<std::string> atom();
    /// atom-like text up to a space or ')' or end, e.g. a flag ("\Seen") or a fetch item name.
    std::optional<std::string> word(std::string_view stop_chars = " ()");
    /// astring: an atom (']' allowed) or a string.
    std::optional<std::string> astring();
    /// string: quoted or literal.
    std::optional<std::string> string();
    /// nstring: NIL or a string.
    std::optional<std::optional<std::string>> nstring();
    /// list-mailbox: atom with '%' and '*' allowed, or a string.
    std::optional<std::string> list_mailbox();
    std::optional<std::uint32_t> number();
    std::optional<std::uint64_t> number64();
    /// The raw rest of the command.
    std::string_view rest() const { return text_.substr(std::min(pos_, text_.size())); }
    std::size_t position() const { return pos_; }

    const std::string& error() const { return error_; }
    /// Records a failure and returns nullopt-compatible false.
    bool fail(std::string why);

private:
    std::optional<std::string> quoted();
    std::optional<std::string> literal();

    std::string_view text_;
    std::size_t pos_ = 0;
    std::string error_;
};

/// ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ].
bool is_atom_char(char c);

}  // namespace imap
