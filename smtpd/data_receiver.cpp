#include "smtpd/data_receiver.hpp"

#include <cstring>

namespace smtp {

void DataReceiver::emit(std::string_view text) {
    size_ += text.size();
    if (too_big_) return;
    if (size_ > max_bytes_) {
        too_big_ = true;
        std::string().swap(message_);  // free it now; the rest is only counted
        return;
    }
    message_.append(text);
}

std::size_t DataReceiver::feed(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size() && state_ != State::done) {
        char c = bytes[i];
        switch (state_) {
            case State::in_line: {
                // Fast path: copy whole lines in one go, up to a CR whose line end cannot be
                // judged yet (the chunk ends) or is followed by a dot (maybe the end of data).
                const std::size_t start = i;
                for (;;) {
                    const void* cr = std::memchr(bytes.data() + i, '\r', bytes.size() - i);
                    if (!cr) {
                        emit(bytes.substr(start));
                        i = bytes.size();
                        break;
                    }
                    const auto at = static_cast<std::size_t>(static_cast<const char*>(cr) - bytes.data());
                    if (at + 2 < bytes.size() && bytes[at + 1] == '\n' && bytes[at + 2] != '.') {
                        i = at + 2;  // CRLF and a line that does not start with a dot: keep copying
                        continue;
                    }
                    emit(bytes.substr(start, at + 1 - start));
                    state_ = State::after_cr;
                    i = at + 1;
                    break;
                }
                continue;
            }
            case State::after_cr:
                emit(std::string_view(&c, 1));
                state_ = c == '\n' ? State::line_start : c == '\r' ? State::after_cr : State::in_line;
                break;
            case State::line_start:
                if (c == '.') {
                    state_ = State::dot;
                } else {
                    emit(std::string_view(&c, 1));
                    state_ = c == '\r' ? State::after_cr : State::in_line;
                }
                break;
            case State::dot:  // the leading dot is dropped (unstuffed) whatever follows
                if (c == '\r') {
                    state_ = State::dot_cr;
                } else {
                    emit(std::string_view(&c, 1));
                    state_ = State::in_line;
                }
                break;
            case State::dot_cr:
                if (c == '\n') {
                    state_ = State::done;
                } else {
                    // "." CR x: not the end. The line was ".\r..." with the dot unstuffed.
                    emit("\r");
                    emit(std::string_view(&c, 1));
                    state_ = c == '\r' ? State::after_cr : State::in_line;
                }
                break;
            case State::done: break;
        }
        ++i;
    }
    return i;
}

}  // namespace smtp
