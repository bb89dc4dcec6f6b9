#include "imapd/mime_render.hpp"

#include "imapd/imap_quote.hpp"

namespace imap {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

/// Drops comments, unquotes quoted strings and collapses whitespace in a display name.
std::string clean_phrase(std::string_view text) {
    std::string out;
    bool quoted = false;
    int depth = 0;
    bool pending_space = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '\\' && i + 1 < text.size()) {
                out += text[++i];
            } else if (c == '"') {
                quoted = false;
            } else {
                out += c;
            }
            continue;
        }
        if (depth > 0) {
            if (c == '(') ++depth;
            if (c == ')') --depth;
            continue;
        }
        if (c == '(') {
            ++depth;
        } else if (c == '"') {
            if (pending_space && !out.empty()) out += ' ';
            pending_space = false;
            quoted = true;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            pending_space = true;
        } else {
            if (pending_space && !out.empty()) out += ' ';
            pending_space = false;
            out += c;
        }
    }
    return out;
}

/// An addr-spec without comments and blanks; a source route ("@a,@b:") is split off.
Address make_address(std::string_view spec, std::optional<std::string> name) {
    std::string clean = clean_phrase(spec);
    std::string no_spaces;
    for (char c : clean)
        if (c != ' ') no_spaces += c;
    Address address;
    address.name = std::move(name);
    std::string_view rest = no_spaces;
    if (!rest.empty() && rest.front() == '@') {
        std::size_t colon = rest.find(':');
        if (colon != std::string_view::npos) {
            address.adl = std::string(rest.substr(0, colon));
            rest = rest.substr(colon + 1);
        }
    }
    std::size_t at = rest.rfind('@');
    if (at == std::string_view::npos) {
        address.mailbox = std::string(rest);
        address.host = "MISSING_DOMAIN";
    } else {
        address.mailbox = std::string(rest.substr(0, at));
        address.host = std::string(rest.substr(at + 1));
    }
    return address;
}

void add_mailbox(std::string_view entry, std::vector<Address>& out) {
    entry = trim(entry);
    if (entry.empty()) return;
    // "phrase <addr>" or a bare addr-spec; find '<' outside quotes and comments.
    bool quoted = false;
    int depth = 0;
    std::size_t open = std::string_view::npos;
    for (std::size_t i = 0; i < entry.size(); ++i) {
        char c = entry[i];
        if (quoted) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                quoted = false;
        } else if (depth > 0) {
            if (c == '(')
                ++depth;
            else if (c == ')')
                --depth;
        } else if (c == '"') {
            quoted = true;
        } else if (c == '(') {
            ++depth;
        } else if (c == '<') {
            open = i;
            break;
        }
    }
    if (open == std::string_view::npos) {
        std::string spec = clean_phrase(entry);
        if (spec.empty()) return;
        out.push_back(make_address(entry, std::nullopt));
        return;
    }
    std::size_t close = entry.find('>', open);
    std::string_view spec = entry.substr(open + 1, (close == std::string_view::npos ? entry.size() : close) - open - 1);
    std::string name = clean_phrase(entry.substr(0, open));
    out.push_back(make_address(spec, name.empty() ? std::nullopt : std::optional<std::string>(name)));
}

std::string render_addresses(const std::optional<std::string>& header) {
    if (!header) return "NIL";
    auto addresses = parse_address_list(*header);
    if (addresses.empty()) return "NIL";
    std::string out = "(";
    for (const auto& a : addresses) {
        out += "(" + quote_nstring(a.name) + " " + quote_nstring(a.adl) + " " + quote_nstring(a.mailbox) + " " +
               quote_nstring(a.host) + ")";
    }
    return out + ")";
}

std::string render_parameters(const Parameters& params) {
    if (params.empty()) return "NIL";
    std::string out = "(";
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (i) out += ' ';
        out += quote_string(params[i].first) + " " + quote_string(params[i].second);
    }
    return out + ")";
}

std::string render_extension_tail(const MimePart& part) {
    std::string out = " ";
    if (part.disposition) {
        out += "(" + quote_string(*part.disposition) + " " + render_parameters(part.disposition_parameters) + ")";
    } else {
        out += "NIL";
    }
    out += " " + quote_nstring(part.language) + " " + quote_nstring(part.location);
    return out;
}

}  // namespace

std::vector<Address> parse_address_list(std::string_view text) {
    std::vector<Address> out;
    bool quoted = false;
    int depth = 0;
    bool in_angle = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        char c = i < text.size() ? text[i] : ',';
        if (i < text.size()) {
            if (quoted) {
                if (c == '\\')
                    ++i;
                else if (c == '"')
                    quoted = false;
                continue;
            }
            if (depth > 0) {
                if (c == '(')
                    ++depth;
                else if (c == ')')
                    --depth;
                continue;
            }
            if (c == '"') {
                quoted = true;
                continue;
            }
            if (c == '(') {
                ++depth;
                continue;
            }
            if (c == '<') in_angle = true;
            if (c == '>') in_angle = false;
            if (in_angle) continue;
        }
        if (c == ':') {
            std::string group = clean_phrase(text.substr(start, i - start));
            out.push_back(Address{std::nullopt, std::nullopt, group, std::nullopt});  // group start
            start = i + 1;
        } else if (c == ';') {
            add_mailbox(text.substr(start, i - start), out);
            out.push_back(Address{});  // group end
            start = i + 1;
        } else if (c == ',') {
            add_mailbox(text.substr(start, std::min(i, text.size()) - start), out);
            start = i + 1;
        }
    }
    return out;
}

std::string render_envelope(std::string_view raw, const MimePart& part) {
    auto fields = parse_header(raw, part.header_begin, part.body_begin);
    auto get = [&](std::string_view name) { return header_value(fields, name); };
    auto from = get("From");
    auto sender = get("Sender");
    auto reply_to = get("Reply-To");
    auto nonempty = [](const std::optional<std::string>& h) { return h && !trim(*h).empty(); };
    std::string from_list = render_addresses(from);
    std::string out = "(" + quote_nstring(get("Date")) + " " + quote_nstring(get("Subject")) + " " + from_list + " ";
    out += (nonempty(sender) ? render_addresses(sender) : from_list) + " ";
    out += (nonempty(reply_to) ? render_addresses(reply_to) : from_list) + " ";
    out += render_addresses(get("To")) + " " + render_addresses(get("Cc")) + " " + render_addresses(get("Bcc")) + " ";
    auto trimmed = [](std::optional<std::string> v) {
        if (v) v = std::string(trim(*v));
        return v;
    };
    out += quote_nstring(trimmed(get("In-Reply-To"))) + " " + quote_nstring(trimmed(get("Message-ID"))) + ")";
    return out;
}

std::string render_body_structure(std::string_view raw, const MimePart& part, bool extensible) {
    if (part.is_multipart()) {
        std::string out = "(";
        if (part.children.empty()) {
            // A multipart without (findable) parts: describe it as one empty text part, since
            // IMAP needs at least one (RFC 3501 body-type-mpart = 1*body).
            out += "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)";
        }
        for (const auto& child : part.children) out += render_body_structure(raw, child, extensible);
        out += " " + quote_string(part.subtype);
        if (extensible) out += " " + render_parameters(part.parameters) + render_extension_tail(part);
        return out + ")";
    }
    std::string out = "(" + quote_string(part.type) + " " + quote_string(part.subtype) + " " +
                      render_parameters(part.parameters) + " " + quote_nstring(part.id) + " " +
                      quote_nstring(part.description) + " " + quote_string(part.encoding.value_or("7bit")) + " " +
                      std::to_string(part.body_size());
    if (part.is_message_rfc822() && !part.children.empty()) {
        const MimePart& inner = part.children.front();
        out += " " + render_envelope(raw, inner) + " " + render_body_structure(raw, inner, extensible) + " " +
               std::to_string(part.lines);
    } else if (iequals_ascii(part.type, "text")) {
        out += " " + std::to_string(part.lines);
    }
    if (extensible) out += " " + quote_nstring(part.md5) + render_extension_tail(part);
    return out + ")";
}

}  // namespace imap
