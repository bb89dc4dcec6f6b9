#include "imapd/imap_quote.hpp"

#include "imapd/command_reader.hpp"

namespace imap {

std::string quote_string(std::string_view text) {
    bool needs_literal = text.size() > 1024;
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '\r' || c == '\n' || c == 0 || c >= 0x80) needs_literal = true;
    }
    if (needs_literal) return "{" + std::to_string(text.size()) + "}\r\n" + std::string(text);
    std::string out = "\"";
    for (char ch : text) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
    }
    out += '"';
    return out;
}

std::string quote_nstring(const std::optional<std::string>& text) { return text ? quote_string(*text) : "NIL"; }

std::string quote_astring(std::string_view text) {
    bool atom = !text.empty() && text.size() <= 1024;
    for (char ch : text)
        if (!is_atom_char(ch)) atom = false;
    if (atom && text.size() == 3) {
        std::string upper(text);
        for (char& c : upper)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
        if (upper == "NIL") atom = false;
    }
    return atom ? std::string(text) : quote_string(text);
}

}  // namespace imap
