#include "smtpd/smtp_address.hpp"

#include <cctype>
#include <cstdint>

namespace smtp {

namespace {

bool is_ctl_or_space(unsigned char c) { return c <= ' ' || c == 0x7f; }

/// atext (RFC 5322 §3.2.3) plus the UTF-8 bytes RFC 6531 allows.
bool is_atext(unsigned char c) {
    if (c >= 0x80) return true;
    if (std::isalnum(c)) return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool valid_dot_string(std::string_view local) {
    if (local.empty() || local.front() == '.' || local.back() == '.') return false;
    char previous = 0;
    for (char ch : local) {
        auto c = static_cast<unsigned char>(ch);
        if (ch == '.') {
            if (previous == '.') return false;
        } else if (!is_atext(c)) {
            return false;
        }
        previous = ch;
    }
    return true;
}

bool valid_quoted_string(std::string_view local) {
    if (local.size() < 2 || local.front() != '"' || local.back() != '"') return false;
    for (std::size_t i = 1; i + 1 < local.size(); ++i) {
        auto c = static_cast<unsigned char>(local[i]);
        if (c == '\\') {
            if (++i + 1 >= local.size()) return false;
            auto escaped = static_cast<unsigned char>(local[i]);
            if (escaped < ' ' || escaped == 0x7f) return false;
        } else if (c == '"' || (c < ' ' && c != '\t') || c == 0x7f) {
            return false;
        }
    }
    return true;
}

bool valid_domain(std::string_view domain) {
    if (domain.empty() || domain.size() > 255) return false;
    if (domain.front() == '[') {  // address literal: [192.0.2.1] or [IPv6:...]
        if (domain.back() != ']' || domain.size() < 3) return false;
        for (char ch : domain.substr(1, domain.size() - 2)) {
            auto c = static_cast<unsigned char>(ch);
            if (is_ctl_or_space(c) || ch == '[' || ch == ']' || ch == '\\' || c >= 0x80) return false;
        }
        return true;
    }
    std::size_t label_length = 0;
    char previous = '.';
    for (char ch : domain) {
        auto c = static_cast<unsigned char>(ch);
        if (ch == '.') {
            if (label_length == 0 || previous == '-') return false;
            label_length = 0;
        } else {
            bool ok = std::isalnum(c) || c >= 0x80 || (ch == '-' && label_length > 0);
            if (!ok || ++label_length > 63) return false;
        }
        previous = ch;
    }
    return label_length > 0 && previous != '-';
}

}  // namespace

ParsedMailbox parse_mailbox(std::string_view address) {
    ParsedMailbox result;
    if (address.empty() || address.size() > 320) {
        result.problem = AddressProblem::bad_syntax;
        return result;
    }
    if (has_non_ascii(address) && !is_valid_utf8(address)) {
        result.problem = AddressProblem::bad_utf8;
        return result;
    }
    // The domain follows the last '@' that is not inside a quoted local part.
    std::size_t at = address.rfind('@');
    if (at == std::string_view::npos || (address.front() == '"' && address.find('"', 1) > at)) {
        bool plausible = valid_dot_string(address) || valid_quoted_string(address);
        result.problem = plausible ? AddressProblem::missing_domain : AddressProblem::bad_syntax;
        return result;
    }
    std::string_view local = address.substr(0, at);
    std::string_view domain = address.substr(at + 1);
    if (local.size() > 64 * 4 || !(valid_dot_string(local) || valid_quoted_string(local))) {
        result.problem = AddressProblem::bad_syntax;
        return result;
    }
    if (domain.empty()) {
        result.problem = AddressProblem::missing_domain;
        return result;
    }
    if (!valid_domain(domain)) {
        result.problem = AddressProblem::bad_syntax;
        return result;
    }
    result.mailbox.local = std::string(local);
    result.mailbox.domain = ascii_lower(domain);
    return result;
}

bool has_non_ascii(std::string_view text) {
    for (char ch : text)
        if (static_cast<unsigned char>(ch) >= 0x80) return true;
    return false;
}

bool is_valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        int extra = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            extra = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (text.size() - i <= static_cast<std::size_t>(extra)) return false;  // truncated sequence
        for (int k = 1; k <= extra; ++k) {
            auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        static constexpr std::uint32_t min_for_length[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_for_length[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += extra + 1;
    }
    return true;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& ch : out)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

}  // namespace smtp
