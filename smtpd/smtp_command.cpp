#include "smtpd/smtp_command.hpp"

#include <cctype>

#include "smtpd/smtp_address.hpp"

namespace smtp {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && (is_blank(text.back()) || text.back() == '\r')) text.remove_suffix(1);
    return text;
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& ch : out)
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    return out;
}

/// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"); esmtp-value = 1*(%d33-60 / %d62-126),
/// widened to UTF-8 by RFC 6531.
bool parse_parameter(std::string_view word, EsmtpParameter& out) {
    std::size_t equals = word.find('=');
    std::string_view keyword = word.substr(0, equals);
    if (keyword.empty() || !std::isalnum(static_cast<unsigned char>(keyword.front()))) return false;
    for (char ch : keyword)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') return false;
    out.keyword = upper(keyword);
    if (equals != std::string_view::npos) {
        std::string_view value = word.substr(equals + 1);
        if (value.empty()) return false;
        for (char ch : value) {
            auto c = static_cast<unsigned char>(ch);
            if (c < 33 || c == '=' || c == 127) return false;
        }
        out.value = std::string(value);
    }
    return true;
}

PathParse failure(std::string why) { return PathParse{std::nullopt, std::move(why)}; }

}  // namespace

CommandLine split_command(std::string_view line) {
    line = trim(line);
    std::size_t end = 0;
    while (end < line.size() && !is_blank(line[end])) ++end;
    return CommandLine{upper(line.substr(0, end)), std::string(trim(line.substr(end)))};
}

PathParse parse_path_argument(std::string_view argument, std::string_view keyword) {
    argument = trim(argument);
    if (argument.size() <= keyword.size() || !iequals(argument.substr(0, keyword.size()), keyword) ||
        argument[keyword.size()] != ':') {
        return failure("Syntax: " + std::string(keyword == "FROM" ? "MAIL FROM:<address>" : "RCPT TO:<address>"));
    }
    std::string_view rest = argument.substr(keyword.size() + 1);
    while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);

    std::string_view path;
    if (!rest.empty() && rest.front() == '<') {
        // Find the closing bracket outside any quoted local part.
        bool quoted = false;
        std::size_t close = std::string_view::npos;
        for (std::size_t i = 1; i < rest.size(); ++i) {
            if (quoted && rest[i] == '\\') {
                ++i;
            } else if (rest[i] == '"') {
                quoted = !quoted;
            } else if (!quoted && rest[i] == '>') {
                close = i;
                break;
            } else if (!quoted && rest[i] == '<') {
                break;
            }
        }
        if (close == std::string_view::npos) return failure("Syntax: unterminated or malformed <address>");
        path = rest.substr(1, close - 1);
        rest = rest.substr(close + 1);
        if (!rest.empty() && !is_blank(rest.front())) return failure("Syntax: junk after <address>");
    } else {
        std::size_t end = 0;
        while (end < rest.size() && !is_blank(rest[end])) ++end;
        path = rest.substr(0, end);
        rest = rest.substr(end);
        if (path.empty()) return failure("Syntax: missing address");
        if (path.find_first_of("<>") != std::string_view::npos) return failure("Syntax: malformed address");
    }

    PathArgument result;
    if (!path.empty() && path.front() == '@') {  // source route: @a,@b:mailbox
        std::size_t colon = path.find(':');
        if (colon == std::string_view::npos) return failure("Syntax: malformed source route");
        path = path.substr(colon + 1);
    }
    for (char ch : path) {
        auto c = static_cast<unsigned char>(ch);
        if (c < ' ' || c == 0x7f) return failure("Syntax: control character in address");
    }
    result.address = std::string(path);
    result.null_path = path.empty();

    while (!rest.empty()) {
        while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
        if (rest.empty()) break;
        std::size_t end = 0;
        while (end < rest.size() && !is_blank(rest[end])) ++end;
        EsmtpParameter parameter;
        if (!parse_parameter(rest.substr(0, end), parameter)) return failure("Syntax: malformed parameter");
        result.parameters.push_back(std::move(parameter));
        rest.remove_prefix(end);
    }
    return PathParse{std::move(result), {}};
}

}  // namespace smtp
