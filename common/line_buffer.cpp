#include "common/line_buffer.hpp"

namespace maild {

void LineBuffer::append(std::string_view bytes) {
    if (discarding_) {
        auto lf = bytes.find('\n');
        if (lf == std::string_view::npos) return;
        discarding_ = false;
        bytes.remove_prefix(lf + 1);
    }
    compact();
    buffer_.append(bytes);
}

LineBuffer::Result LineBuffer::take_line() {
    Result result;
    std::string_view pending(buffer_.data() + start_, buffer_.size() - start_);
    auto lf = pending.find('\n');
    // A line may carry max_line_bytes of content plus "\r\n".
    if (lf == std::string_view::npos) {
        if (pending.size() > max_line_bytes_ + 1) {
            buffer_.clear();
            start_ = 0;
            discarding_ = true;
            result.status = Status::too_long;
        }
        return result;
    }
    std::string_view line = pending.substr(0, lf);
    start_ += lf + 1;
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
        result.crlf = true;
    }
    if (line.size() > max_line_bytes_) {
        result.status = Status::too_long;
        result.crlf = false;
        return result;
    }
    result.status = Status::line;
    result.line.assign(line);
    return result;
}

std::string LineBuffer::take_rest() {
    std::string rest = buffer_.substr(start_);
    buffer_.clear();
    start_ = 0;
    return rest;
}

void LineBuffer::compact() {
    if (start_ == 0) return;
    if (start_ == buffer_.size()) {
        buffer_.clear();
    } else {
        buffer_.erase(0, start_);
    }
    start_ = 0;
}

}  // namespace maild
