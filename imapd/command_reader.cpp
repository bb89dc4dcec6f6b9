#include "imapd/command_reader.hpp"

namespace imap {

bool is_atom_char(char ch) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) return false;
    switch (ch) {
        case '(':
        case ')':
        case '{':
        case '%':
        case '*':
        case '"':
        case '\\':
        case ']': return false;
        default: return true;
    }
}

bool CommandReader::fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
}

bool CommandReader::space() {
    if (consume(' ')) return true;
    return fail(at_end() ? "Missing argument" : "Expected a space");
}

bool CommandReader::consume(char c) {
    if (peek(c)) {
        ++pos_;
        return true;
    }
    return false;
}

bool CommandReader::keyword(std::string_view word) {
    if (text_.size() - std::min(pos_, text_.size()) < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
        char a = text_[pos_ + i], b = word[i];
        if (a >= 'a' && a <= 'z') a = static_cast<char>(a - 32);
        if (b >= 'a' && b <= 'z') b = static_cast<char>(b - 32);
        if (a != b) return false;
    }
    pos_ += word.size();
    return true;
}

std::optional<std::string> CommandReader::tag() {
    std::size_t start = pos_;
    while (!at_end() && text_[pos_] != '+' && (is_atom_char(text_[pos_]) || text_[pos_] == ']')) ++pos_;
    if (pos_ == start) {
        fail("Missing or invalid tag");
        return std::nullopt;
    }
    return std::string(text_.substr(start, pos_ - start));
}

std::optional<std::string> CommandReader::atom() {
    std::size_t start = pos_;
    while (!at_end() && is_atom_char(text_[pos_])) ++pos_;
    if (pos_ == start) {
        fail(at_end() ? "Missing argument" : "Expected an atom");
        return std::nullopt;
    }
    return std::string(text_.substr(start, pos_ - start));
}

std::optional<std::string> CommandReader::word(std::string_view stop_chars) {
    std::size_t start = pos_;
    while (!at_end() && stop_chars.find(text_[pos_]) == std::string_view::npos &&
           static_cast<unsigned char>(text_[pos_]) > 0x20 && static_cast<unsigned char>(text_[pos_]) < 0x7f) {
        ++pos_;
    }
    if (pos_ == start) {
        fail(at_end() ? "Missing argument" : "Unexpected character");
        return std::nullopt;
    }
    return std::string(text_.substr(start, pos_ - start));
}

std::optional<std::string> CommandReader::quoted() {
    std::size_t start = pos_;
    ++pos_;  // the opening quote
    std::string value;
    while (!at_end()) {
        char c = text_[pos_++];
        if (c == '"') return value;
        if (c == '\\') {
            if (at_end() || (text_[pos_] != '\\' && text_[pos_] != '"')) {
                pos_ = start;
                fail("Invalid escape in quoted string");
                return std::nullopt;
            }
            value += text_[pos_++];
        } else if (c == '\r' || c == '\n' || c == '\0') {
            pos_ = start;
            fail("Line break or NUL in quoted string");
            return std::nullopt;
        } else {
            value += c;  // 8-bit bytes are accepted: clients send UTF-8 here
        }
    }
    pos_ = start;
    fail("Unterminated quoted string");
    return std::nullopt;
}

std::optional<std::string> CommandReader::literal() {
    std::size_t start = pos_;
    ++pos_;  // '{'
    std::size_t size = 0;
    std::size_t digits = 0;
    while (!at_end() && text_[pos_] >= '0' && text_[pos_] <= '9' && digits < 12) {
        size = size * 10 + static_cast<std::size_t>(text_[pos_++] - '0');
        ++digits;
    }
    consume('+');
    if (digits == 0 || !consume('}') || !consume('\r') || !consume('\n') || text_.size() - pos_ < size) {
        pos_ = start;
        fail("Malformed literal");
        return std::nullopt;
    }
    std::string value(text_.substr(pos_, size));
    pos_ += size;
    return value;
}

std::optional<std::string> CommandReader::string() {
    if (peek('"')) return quoted();
    if (peek('{')) return literal();
    fail(at_end() ? "Missing argument" : "Expected a string");
    return std::nullopt;
}

std::optional<std::string> CommandReader::astring() {
    if (peek('"') || peek('{')) return string();
    std::size_t start = pos_;
    while (!at_end() && (is_atom_char(text_[pos_]) || text_[pos_] == ']')) ++pos_;
    if (pos_ == start) {
        fail(at_end() ? "Missing argument" : "Expected an atom or string");
        return std::nullopt;
    }
    return std::string(text_.substr(start, pos_ - start));
}

std::optional<std::optional<std::string>> CommandReader::nstring() {
    if (keyword("NIL")) return std::optional<std::string>();
    auto s = string();
    if (!s) return std::nullopt;
    return std::optional<std::string>(std::move(*s));
}

std::optional<std::string> CommandReader::list_mailbox() {
    if (peek('"') || peek('{')) return string();
    std::size_t start = pos_;
    while (!at_end() && (is_atom_char(text_[pos_]) || text_[pos_] == ']' || text_[pos_] == '%' || text_[pos_] == '*')) {
        ++pos_;
    }
    if (pos_ == start) {
        fail("Expected a mailbox pattern");
        return std::nullopt;
    }
    return std::string(text_.substr(start, pos_ - start));
}

std::optional<std::uint64_t> CommandReader::number64() {
    std::size_t start = pos_;
    std::uint64_t value = 0;
    while (!at_end() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        if (pos_ - start >= 19) {
            pos_ = start;
            fail("Number too large");
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::uint64_t>(text_[pos_++] - '0');
    }
    if (pos_ == start) {
        fail("Expected a number");
        return std::nullopt;
    }
    return value;
}

std::optional<std::uint32_t> CommandReader::number() {
    std::size_t start = pos_;
    auto value = number64();
    if (!value) return std::nullopt;
    if (*value > 0xffffffffu) {
        pos_ = start;
        fail("Number too large");
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(*value);
}

}  // namespace imap
