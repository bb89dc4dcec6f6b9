// Buffered line splitting with a hard cap on line length.
//
// Bytes go in with append(); whole lines come out of take_line(). A line ends at LF; a CR right
// before the LF is stripped and reported (crlf = true), so callers that must insist on CRLF can.
// Bytes after the last line stay buffered (pipelining). A line longer than max_line_bytes is
// reported once as too_long, and the rest of it, up to and including its LF, is discarded as it
// arrives, so memory stays bounded by max_line_bytes whatever the peer sends.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace maild {

class LineBuffer {
public:
    enum class Status { line, need_more, too_long };
    struct Result {
        Status status = Status::need_more;
        std::string line;   ///< without the terminator; only for Status::line
        bool crlf = false;  ///< the line ended in CRLF rather than a bare LF
    };

    /// max_line_bytes: the longest line content accepted, terminator excluded.
    explicit LineBuffer(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

    void append(std::string_view bytes);
    Result take_line();
    /// Removes and returns every buffered byte (to hand them to a different reader, e.g. DATA).
    std::string take_rest();
    std::size_t buffered() const { return buffer_.size() - start_; }
    void set_max_line_bytes(std::size_t max) { max_line_bytes_ = max; }

private:
    void compact();

    std::size_t max_line_bytes_;
    std::string buffer_;
    std::size_t start_ = 0;    ///< offset of the first unconsumed byte in buffer_
    bool discarding_ = false;  ///< inside an overlong line: drop bytes up to the next LF
};

}  // namespace maild
