#include "imapd/message_section.hpp"

#include <algorithm>

namespace imap {

namespace {

/// Follows a part path; nullptr when it leads nowhere.
const MimePart* find_part(const MimePart& root, const std::vector<std::uint32_t>& path) {
    const MimePart* current = &root;
    bool at_root = true;
    for (std::uint32_t n : path) {
        const MimePart* container = current;
        if (!at_root && container->is_message_rfc822()) {
            if (container->children.empty()) return nullptr;
            container = &container->children.front();
        }
        at_root = false;
        if (container->is_multipart()) {
            if (n > container->children.size()) return nullptr;
            current = &container->children[n - 1];
        } else {
            if (n != 1) return nullptr;
            current = container;
        }
    }
    return current;
}

/// The message whose HEADER/TEXT a section names: the root, or the message inside a
/// message/rfc822 part.
const MimePart* message_of(const MimePart& root, const MimePart* part, bool is_root) {
    if (is_root) return &root;
    if (part->is_message_rfc822() && !part->children.empty()) return &part->children.front();
    return nullptr;
}

}  // namespace

std::string filter_header(std::string_view raw, std::size_t begin, std::size_t end,
                          const std::vector<std::string>& fields, bool exclude) {
    std::string out;
    for (const auto& field : parse_header(raw, begin, end)) {
        bool listed = std::any_of(fields.begin(), fields.end(),
                                  [&](const std::string& name) { return iequals_ascii(name, field.name); });
        if (listed != exclude) out.append(raw.substr(field.begin, field.end - field.begin));
    }
    out += "\r\n";
    return out;
}

std::optional<std::string> extract_section(std::string_view raw, const MimePart& root, const BodySection& section) {
    const MimePart* part = find_part(root, section.part);
    if (!part) return std::nullopt;
    bool is_root = section.part.empty();
    using Which = BodySection::Which;
    switch (section.which) {
        case Which::whole:
            if (is_root) return std::string(raw);
            return std::string(raw.substr(part->body_begin, part->body_size()));
        case Which::mime: return std::string(raw.substr(part->header_begin, part->header_size()));
        case Which::header:
        case Which::text:
        case Which::header_fields:
        case Which::header_fields_not: {
            const MimePart* message = message_of(root, part, is_root);
            if (!message) return std::nullopt;
            if (section.which == Which::text) return std::string(raw.substr(message->body_begin, message->body_size()));
            if (section.which == Which::header) {
                return std::string(raw.substr(message->header_begin, message->header_size()));
            }
            return filter_header(raw, message->header_begin, message->body_begin, section.fields,
                                 section.which == Which::header_fields_not);
        }
    }
    return std::nullopt;
}

}  // namespace imap
