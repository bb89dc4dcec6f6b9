#include "imapd/command_framer.hpp"

#include <cstring>
#include <utility>

namespace imap {

namespace {

/// A literal marker at the end of a line: "{123}" or "{123+}". Returns false if absent.
bool literal_marker(std::string_view line, std::size_t& size, bool& synchronizing, bool& absurd) {
    if (line.size() < 3 || line.back() != '}') return false;
    std::size_t open = line.rfind('{');
    if (open == std::string_view::npos) return false;
    std::string_view inside = line.substr(open + 1, line.size() - open - 2);
    synchronizing = true;
    if (!inside.empty() && inside.back() == '+') {
        synchronizing = false;
        inside.remove_suffix(1);
    }
    if (inside.empty()) return false;
    size = 0;
    absurd = false;
    for (char c : inside) {
        if (c < '0' || c > '9') return false;
        if (size > (std::size_t{1} << 40)) {
            absurd = true;  // keep scanning digits, but never overflow
            continue;
        }
        size = size * 10 + static_cast<std::size_t>(c - '0');
    }
    if (size > (std::size_t{1} << 40)) absurd = true;
    return true;
}

}  // namespace

void CommandFramer::append(std::string_view bytes) {
    if (start_ > 0 && start_ >= buffer_.size() / 2) {
        buffer_.erase(0, start_);
        start_ = 0;
    }
    buffer_.append(bytes);
}

std::size_t CommandFramer::discard_buffered() {
    std::size_t dropped = buffer_.size() - start_ + command_.size();
    buffer_.clear();
    start_ = 0;
    command_.clear();
    mode_ = Mode::line;
    return dropped;
}

CommandFramer::Result CommandFramer::finish_skip() {
    mode_ = Mode::line;
    command_.clear();
    return std::exchange(pending_error_, Result{});
}

CommandFramer::Result CommandFramer::next() {
    for (;;) {
        std::size_t available = buffer_.size() - start_;
        switch (mode_) {
            case Mode::literal: {
                std::size_t take = std::min(available, literal_left_);
                command_.append(buffer_, start_, take);
                start_ += take;
                literal_left_ -= take;
                if (literal_left_ > 0) return {};
                mode_ = Mode::line;
                continue;
            }
            case Mode::skip_literal: {
                std::size_t take = std::min(available, literal_left_);
                start_ += take;
                literal_left_ -= take;
                if (literal_left_ > 0) return {};
                mode_ = Mode::skip_line;
                continue;
            }
            case Mode::skip_line: {
                const char* base = buffer_.data() + start_;
                const void* lf = std::memchr(base, '\n', available);
                if (!lf) {
                    start_ = buffer_.size();
                    return {};
                }
                start_ += static_cast<std::size_t>(static_cast<const char*>(lf) - base) + 1;
                Result error = finish_skip();
                if (error.event != Event::need_more) return error;
                continue;
            }
            case Mode::line: break;
        }
        const char* base = buffer_.data() + start_;
        const void* lf = std::memchr(base, '\n', available);
        if (!lf) {
            if (available > limits_.max_line_bytes) {
                // Report now; the rest of the line is dropped as it arrives.
                Result error{Event::line_too_long, command_ + std::string(base, std::min<std::size_t>(available, 200))};
                command_.clear();
                start_ = buffer_.size();
                mode_ = Mode::skip_line;
                return error;
            }
            return {};
        }
        std::size_t length = static_cast<std::size_t>(static_cast<const char*>(lf) - base);
        std::string_view line(base, length);
        start_ += length + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > limits_.max_line_bytes) {
            Result error{Event::line_too_long, command_ + std::string(line.substr(0, 200))};
            command_.clear();
            return error;
        }
        std::size_t size = 0;
        bool synchronizing = true, absurd = false;
        if (!literal_marker(line, size, synchronizing, absurd)) {
            command_.append(line);
            Result done{Event::command, std::move(command_)};
            command_.clear();
            return done;
        }
        bool too_big = absurd || size > limits_.max_literal_bytes ||
                       command_.size() + line.size() + size > limits_.max_command_bytes;
        if (too_big) {
            Result error{Event::literal_too_big, command_ + std::string(line.substr(0, 200))};
            command_.clear();
            if (synchronizing) return error;  // no "+": the client will not send it
            // LITERAL+: the bytes are coming. Skip them, unless there are absurdly many.
            if (absurd || size > 4 * limits_.max_literal_bytes + (std::size_t{1} << 20)) {
                return Result{Event::must_close, std::move(error.text)};
            }
            pending_error_ = std::move(error);
            literal_left_ = size;
            mode_ = Mode::skip_literal;
            continue;
        }
        command_.append(line);
        command_.append("\r\n");
        literal_left_ = size;
        mode_ = Mode::literal;
        if (synchronizing) return Result{Event::need_continuation, {}};
    }
}

}  // namespace imap
