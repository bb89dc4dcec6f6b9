// Splits the client's byte stream into whole IMAP commands (RFC 3501 §2.2, §4.3), literals
// included, so the parser never waits for input.
//
// A command is a line, or several lines joined by literals: `{n}` (synchronizing: the client
// waits for our "+" continuation before sending n bytes) or `{n+}` (LITERAL+, RFC 7888: the bytes
// follow at once). The framed command keeps the wire form (`{n}\r\n` + bytes), which the
// CommandReader understands. Limits: max_line_bytes per line, max_literal_bytes per literal,
// max_command_bytes in all. Over a limit the command is dropped and an error reported: a
// synchronizing literal is refused before the client sends it; a non-synchronizing one is read
// and discarded, unless it is absurdly large, in which case the connection must be closed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace imap {

class CommandFramer {
public:
    struct Limits {
        std::size_t max_line_bytes = 64 * 1024;
        std::size_t max_literal_bytes = 25 * 1024 * 1024;
        std::size_t max_command_bytes = 26 * 1024 * 1024;
    };
    enum class Event {
        need_more,          ///< nothing complete yet
        command,            ///< `text` is one whole command, without its final CRLF
        need_continuation,  ///< send "+ ..." so the client sends the literal it announced
        line_too_long,      ///< a line over max_line_bytes was dropped (text: what began it)
        literal_too_big,    ///< a literal over the limits was refused or skipped (text: the line)
        must_close,         ///< a non-synchronizing literal too large to even skip
    };
    struct Result {
        Event event = Event::need_more;
        std::string text;
    };

    explicit CommandFramer(Limits limits) : limits_(limits) {}
    void append(std::string_view bytes);
    Result next();
    /// Drops every byte not yet framed (after STARTTLS: nothing sent in clear may count as sent
    /// inside TLS). Returns how many were dropped.
    std::size_t discard_buffered();
    /// True while in the middle of a command (e.g. waiting for literal bytes).
    bool mid_command() const { return mode_ != Mode::line || !command_.empty(); }
    /// True when bytes of an unfinished line are buffered.
    bool has_partial_line() const { return buffer_.size() > start_; }

private:
    enum class Mode { line, literal, skip_literal, skip_line };
    Result finish_skip();

    Limits limits_;
    std::string buffer_;
    std::size_t start_ = 0;  ///< first unconsumed byte of buffer_
    Mode mode_ = Mode::line;
    std::string command_;
    std::size_t literal_left_ = 0;
    Result pending_error_;  ///< reported once the skipped command is behind us
};

}  // namespace imap
