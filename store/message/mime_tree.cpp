#include "store/message/mime_tree.hpp"

#include <algorithm>
#include <cstring>

namespace message {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

std::size_t count_lines(std::string_view body) {
    std::size_t lines = static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n'));
    if (!body.empty() && body.back() != '\n') ++lines;
    return lines;
}

/// Splits "type/subtype; a=b; c="d"" into its parts. Comments in parentheses are dropped.
void parse_content_header(std::string_view value, std::string* type, std::string* subtype, Parameters& params) {
    std::string clean;
    int depth = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        if (quoted) {
            clean += c;
            if (c == '\\' && i + 1 < value.size())
                clean += value[++i];
            else if (c == '"')
                quoted = false;
        } else if (c == '"' && depth == 0) {
            quoted = true;
            clean += c;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')' && depth > 0) {
            --depth;
        } else if (depth == 0) {
            clean += c;
        }
    }
    std::string_view rest = clean;
    std::size_t semicolon = rest.find(';');
    std::string_view head = trim(rest.substr(0, semicolon));
    if (type) {
        std::size_t slash = head.find('/');
        if (slash != std::string_view::npos && subtype) {
            *type = std::string(trim(head.substr(0, slash)));
            *subtype = std::string(trim(head.substr(slash + 1)));
        } else {
            *type = std::string(head);
        }
    }
    while (semicolon != std::string_view::npos) {
        rest = rest.substr(semicolon + 1);
        // Find the next ';' outside quotes.
        bool in_quote = false;
        semicolon = std::string_view::npos;
        for (std::size_t i = 0; i < rest.size(); ++i) {
            if (rest[i] == '\\' && in_quote) {
                ++i;
            } else if (rest[i] == '"') {
                in_quote = !in_quote;
            } else if (rest[i] == ';' && !in_quote) {
                semicolon = i;
                break;
            }
        }
        std::string_view item = trim(rest.substr(0, semicolon));
        std::size_t equals = item.find('=');
        if (equals == std::string_view::npos) continue;
        std::string name(trim(item.substr(0, equals)));
        std::string_view raw_value = trim(item.substr(equals + 1));
        std::string value;
        if (raw_value.size() >= 2 && raw_value.front() == '"' && raw_value.back() == '"') {
            for (std::size_t i = 1; i + 1 < raw_value.size(); ++i) {
                if (raw_value[i] == '\\' && i + 2 < raw_value.size()) ++i;
                value += raw_value[i];
            }
        } else {
            value = std::string(raw_value);
        }
        if (!name.empty()) params.emplace_back(std::move(name), std::move(value));
    }
}

std::optional<std::string> parameter(const Parameters& params, std::string_view name) {
    for (const auto& [key, value] : params)
        if (iequals_ascii(key, name)) return value;
    return std::nullopt;
}

/// Finds "--boundary" at the start of a line in [from, end); returns the offset of the line
/// start (the dashes) or npos.
std::size_t find_delimiter(std::string_view raw, const std::string& delimiter, std::size_t from, std::size_t end) {
    std::size_t pos = from;
    while (pos < end) {
        std::size_t found = raw.substr(0, end).find(delimiter, pos);
        if (found == std::string_view::npos) return std::string_view::npos;
        std::size_t after = found + delimiter.size();
        // At a line start, and followed by the end of the line, blanks, or "--" (RFC 2046 §5.1.1):
        // "--b" must not match a longer boundary "--bx".
        bool line_start = found == from || raw[found - 1] == '\n';
        bool proper_end = after >= end || raw[after] == '\r' || raw[after] == '\n' || raw[after] == ' ' ||
                          raw[after] == '\t' || raw[after] == '-';
        if (line_start && proper_end) return found;
        pos = found + 1;
    }
    return std::string_view::npos;
}

/// The offset where the line starting at pos ends (after its LF), or end.
std::size_t next_line(std::string_view raw, std::size_t pos, std::size_t end) {
    const void* lf = std::memchr(raw.data() + pos, '\n', end - pos);
    return lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - raw.data()) + 1 : end;
}

void parse_part(std::string_view raw, std::size_t begin, std::size_t end, MimePart& part, bool default_rfc822,
                std::size_t depth, std::size_t max_depth);

void parse_multipart_children(std::string_view raw, MimePart& part, std::size_t depth, std::size_t max_depth) {
    auto boundary = parameter(part.parameters, "boundary");
    if (!boundary || boundary->empty()) return;  // no boundary: no parts (treated as empty multipart)
    const std::string delimiter = "--" + *boundary;
    bool digest = iequals_ascii(part.subtype, "digest");
    std::size_t pos = find_delimiter(raw, delimiter, part.body_begin, part.body_end);
    while (pos != std::string_view::npos) {
        std::size_t after = pos + delimiter.size();
        if (after + 1 < part.body_end + 1 && raw.substr(after, 2) == "--") break;  // close delimiter
        std::size_t child_begin = next_line(raw, pos, part.body_end);
        std::size_t next = find_delimiter(raw, delimiter, child_begin, part.body_end);
        std::size_t child_end = next == std::string_view::npos ? part.body_end : next;
        // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        if (next != std::string_view::npos && child_end > child_begin && raw[child_end - 1] == '\n') {
            --child_end;
            if (child_end > child_begin && raw[child_end - 1] == '\r') --child_end;
        }
        MimePart child;
        parse_part(raw, child_begin, std::max(child_begin, child_end), child, digest, depth + 1, max_depth);
        part.children.push_back(std::move(child));
        if (part.children.size() >= 10000) break;
        pos = next;
    }
}

void parse_part(std::string_view raw, std::size_t begin, std::size_t end, MimePart& part, bool default_rfc822,
                std::size_t depth, std::size_t max_depth) {
    part.header_begin = begin;
    part.body_begin = find_body(raw, begin, end);
    part.body_end = end;
    if (default_rfc822) {
        part.type = "message";
        part.subtype = "rfc822";
    }
    auto fields = parse_header(raw, part.header_begin, part.body_begin);
    for (const auto& field : fields) {
        if (iequals_ascii(field.name, "Content-Type")) {
            std::string type, subtype;
            Parameters params;
            parse_content_header(field.value, &type, &subtype, params);
            if (!type.empty() && !subtype.empty()) {
                part.type = type;
                part.subtype = subtype;
                part.type_given = true;
            }
            part.parameters = std::move(params);
        } else if (iequals_ascii(field.name, "Content-Transfer-Encoding")) {
            part.encoding = std::string(trim(field.value));
        } else if (iequals_ascii(field.name, "Content-ID")) {
            part.id = std::string(trim(field.value));
        } else if (iequals_ascii(field.name, "Content-Description")) {
            part.description = std::string(trim(field.value));
        } else if (iequals_ascii(field.name, "Content-MD5")) {
            part.md5 = std::string(trim(field.value));
        } else if (iequals_ascii(field.name, "Content-Language")) {
            part.language = std::string(trim(field.value));
        } else if (iequals_ascii(field.name, "Content-Location")) {
            part.location = std::string(trim(field.value));
        } else if (iequals_ascii(field.name, "Content-Disposition")) {
            std::string disposition;
            parse_content_header(field.value, &disposition, nullptr, part.disposition_parameters);
            if (!disposition.empty()) part.disposition = disposition;
        }
    }
    // RFC 2045 §5.2: text without a charset is us-ascii; say so, as Dovecot does, since clients
    // pick the decoder from BODYSTRUCTURE.
    if (iequals_ascii(part.type, "text") && !parameter(part.parameters, "charset")) {
        part.parameters.emplace_back("charset", "us-ascii");
    }
    std::string_view body = raw.substr(part.body_begin, part.body_end - part.body_begin);
    part.lines = count_lines(body);
    if (part.is_multipart() && !parameter(part.parameters, "boundary")) {
        // A multipart without a boundary has no findable parts: describe it as text, so its
        // content stays readable (as Dovecot does).
        part.type = "text";
        part.subtype = "plain";
        part.parameters = {{"charset", "us-ascii"}};
    }
    if (depth >= max_depth) return;
    if (part.is_multipart()) {
        parse_multipart_children(raw, part, depth, max_depth);
    } else if (part.is_message_rfc822()) {
        MimePart inner;
        parse_part(raw, part.body_begin, part.body_end, inner, false, depth + 1, max_depth);
        part.children.push_back(std::move(inner));
    }
}

}  // namespace

std::size_t find_body(std::string_view raw, std::size_t begin, std::size_t end) {
    std::size_t pos = begin;
    // An empty header: the part starts with its blank line.
    if (pos < end && raw[pos] == '\n') return pos + 1;
    if (pos + 1 < end && raw[pos] == '\r' && raw[pos + 1] == '\n') return pos + 2;
    while (pos < end) {
        const void* lf = std::memchr(raw.data() + pos, '\n', end - pos);
        if (!lf) return end;
        std::size_t at = static_cast<std::size_t>(static_cast<const char*>(lf) - raw.data());
        std::size_t next = at + 1;
        if (next < end && raw[next] == '\n') return next + 1;
        if (next + 1 < end && raw[next] == '\r' && raw[next + 1] == '\n') return next + 2;
        if (next == end) return end;
        pos = next;
    }
    return end;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool MimePart::is_multipart() const { return iequals_ascii(type, "multipart"); }
bool MimePart::is_message_rfc822() const {
    return iequals_ascii(type, "message") && (iequals_ascii(subtype, "rfc822") || iequals_ascii(subtype, "global"));
}

std::vector<HeaderField> parse_header(std::string_view raw, std::size_t begin, std::size_t end) {
    std::vector<HeaderField> fields;
    std::size_t pos = begin;
    while (pos < end) {
        std::size_t line_end = next_line(raw, pos, end);
        std::string_view line = raw.substr(pos, line_end - pos);
        std::string_view content = trim(line);
        if (content.empty()) break;  // the blank line
        bool continuation = (line[0] == ' ' || line[0] == '\t');
        if (continuation && !fields.empty()) {
            // Unfolding: the line break goes, the whitespace stays.
            std::string_view unfolded = line;
            while (!unfolded.empty() && (unfolded.back() == '\n' || unfolded.back() == '\r')) unfolded.remove_suffix(1);
            fields.back().value += std::string(unfolded);
            fields.back().end = line_end;
        } else {
            std::size_t colon = line.find(':');
            if (colon != std::string_view::npos && colon > 0) {
                HeaderField field;
                field.name = std::string(trim(line.substr(0, colon)));
                std::string_view value = line.substr(colon + 1);
                while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.remove_suffix(1);
                while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
                field.value = std::string(value);
                field.begin = pos;
                field.end = line_end;
                fields.push_back(std::move(field));
            }
        }
        pos = line_end;
    }
    return fields;
}

std::optional<std::string> header_value(const std::vector<HeaderField>& fields, std::string_view name) {
    for (const auto& field : fields)
        if (iequals_ascii(field.name, name)) return field.value;
    return std::nullopt;
}

MimePart parse_message(std::string_view raw, std::size_t max_depth) {
    MimePart root;
    parse_part(raw, 0, raw.size(), root, false, 0, max_depth);
    return root;
}

}  // namespace message
