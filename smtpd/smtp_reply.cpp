#include "smtpd/smtp_reply.hpp"

namespace smtp {

std::string Reply::wire() const {
    std::string out;
    const std::string code_text = std::to_string(code);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += code_text;
        out += (i + 1 == lines.size()) ? ' ' : '-';
        if (!enhanced.empty()) {
            out += enhanced;
            out += ' ';
        }
        out += lines[i];
        out += "\r\n";
    }
    return out;
}

std::string Reply::summary() const {
    std::string out = std::to_string(code);
    if (!enhanced.empty()) out += " " + enhanced;
    if (!lines.empty()) out += " " + lines.back();
    return out;
}

Reply reply(int code, std::string enhanced, std::string text) {
    return Reply{code, std::move(enhanced), {std::move(text)}};
}

}  // namespace smtp
