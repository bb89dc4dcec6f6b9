// The DATA phase (RFC 5321 §4.1.1.4, §4.5.2): collects message text until CRLF.CRLF, removing
// dot-stuffing, with a size cap.
//
// Only the exact sequence CR LF "." CR LF ends the data. Bare LF or bare CR, with or without a dot
// ("\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n" ...), is message content, so one message can never
// smuggle a second past a server that sees line ends differently (the 2023 "SMTP smuggling"
// attacks). A leading dot is removed only from lines that begin after CRLF.
//
// Bytes arrive in arbitrary pieces; feed() says how many it consumed, so bytes after the end of
// the data (pipelined commands) stay with the caller.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace smtp {

class DataReceiver {
public:
    explicit DataReceiver(std::size_t max_message_bytes) : max_bytes_(max_message_bytes) {}

    /// Consumes bytes up to and including the terminating CRLF.CRLF (or all of them).
    /// Returns the number consumed.
    std::size_t feed(std::string_view bytes);

    bool complete() const { return state_ == State::done; }
    /// The message grew past max_message_bytes: the rest was counted but not kept.
    bool too_big() const { return too_big_; }
    /// The unstuffed message text, ending with the CRLF before the final dot (empty if too_big).
    std::string& message() { return message_; }
    /// Octets of message text seen, kept or not.
    std::size_t size() const { return size_; }

private:
    enum class State {
        line_start,  ///< after CRLF (or at the start): a dot here is special
        in_line,     ///< anywhere else
        after_cr,    ///< just saw CR inside a line
        dot,         ///< saw CRLF "."
        dot_cr,      ///< saw CRLF "." CR
        done,
    };
    void emit(std::string_view text);

    std::size_t max_bytes_;
    State state_ = State::line_start;
    std::string message_;
    std::size_t size_ = 0;
    bool too_big_ = false;
};

}  // namespace smtp
