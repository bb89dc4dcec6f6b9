#include "imapd/search_program.hpp"

#include <algorithm>
#include <cctype>

#include "imapd/flag_names.hpp"
#include "imapd/imap_date.hpp"
#include "imapd/message_types.hpp"
#include "store/message/text_decode.hpp"

namespace imap {

namespace {

using Kind = SearchKey::Kind;

std::string upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return s;
}

struct SimpleKey {
    const char* name;
    Kind kind;
    std::uint32_t flag;
};
constexpr SimpleKey simple_keys[] = {
    {"ALL", Kind::all, 0},
    {"ANSWERED", Kind::flag_set, store::flag_answered},
    {"DELETED", Kind::flag_set, store::flag_deleted},
    {"DRAFT", Kind::flag_set, store::flag_draft},
    {"FLAGGED", Kind::flag_set, store::flag_flagged},
    {"SEEN", Kind::flag_set, store::flag_seen},
    {"UNANSWERED", Kind::flag_unset, store::flag_answered},
    {"UNDELETED", Kind::flag_unset, store::flag_deleted},
    {"UNDRAFT", Kind::flag_unset, store::flag_draft},
    {"UNFLAGGED", Kind::flag_unset, store::flag_flagged},
    {"UNSEEN", Kind::flag_unset, store::flag_seen},
    {"NEW", Kind::new_, 0},
    {"OLD", Kind::old, 0},
    {"RECENT", Kind::recent, 0},
};

struct DateKey {
    const char* name;
    Kind kind;
};
constexpr DateKey date_keys[] = {
    {"BEFORE", Kind::before},          {"ON", Kind::on},          {"SINCE", Kind::since},
    {"SENTBEFORE", Kind::sent_before}, {"SENTON", Kind::sent_on}, {"SENTSINCE", Kind::sent_since},
};

struct StringKey {
    const char* name;  ///< the key, and the header it searches (empty: BODY / TEXT)
    Kind kind;
    const char* header;
};
constexpr StringKey string_keys[] = {
    {"BCC", Kind::header, "Bcc"}, {"CC", Kind::header, "Cc"},           {"FROM", Kind::header, "From"},
    {"TO", Kind::header, "To"},   {"SUBJECT", Kind::header, "Subject"}, {"BODY", Kind::body, ""},
    {"TEXT", Kind::text, ""},
};

bool read_key(CommandReader& reader, SearchKey& key, std::size_t depth, std::size_t max_depth);

/// Keys until ')' (inside parentheses) or the end of the command, ANDed.
bool read_key_list(CommandReader& reader, SearchKey& key, std::size_t depth, std::size_t max_depth, bool nested) {
    key.kind = Kind::all_of;
    for (;;) {
        // Parsed in place: no SearchKey on this frame, so deep nesting costs little stack.
        if (!read_key(reader, key.children.emplace_back(), depth, max_depth)) return false;
        if (nested && reader.consume(')')) return true;
        if (!nested && reader.at_end()) return true;
        if (!reader.space()) return false;
    }
}

/// True when the command goes on with `op` (any case) and a space.
bool next_is_operator(std::string_view rest, std::string_view op) {
    if (rest.size() <= op.size() || rest[op.size()] != ' ') return false;
    for (std::size_t i = 0; i < op.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(rest[i])) != op[i]) return false;
    }
    return true;
}

[[gnu::noinline]] void skip_atom(CommandReader& reader) { reader.atom(); }

[[gnu::noinline]] bool read_leaf_key(CommandReader& reader, SearchKey& key);

/// Parentheses, NOT and OR recurse; every other key is a leaf, parsed in read_leaf_key so that
/// each level of nesting costs only this small frame (100 levels must fit a connection thread's
/// stack, also in sanitizer builds where frames grow several times).
bool read_key(CommandReader& reader, SearchKey& key, std::size_t depth, std::size_t max_depth) {
    if (depth > max_depth) return reader.fail("Search criteria nested too deeply");
    if (reader.consume('(')) return read_key_list(reader, key, depth + 1, max_depth, true);
    if (next_is_operator(reader.rest(), "NOT")) {
        skip_atom(reader);
        key.kind = Kind::negation;
        return reader.space() && read_key(reader, key.children.emplace_back(), depth + 1, max_depth);
    }
    if (next_is_operator(reader.rest(), "OR")) {
        skip_atom(reader);
        key.kind = Kind::any_of;
        key.children.resize(2);
        return reader.space() && read_key(reader, key.children[0], depth + 1, max_depth) && reader.space() &&
               read_key(reader, key.children[1], depth + 1, max_depth);
    }
    return read_leaf_key(reader, key);
}

bool read_leaf_key(CommandReader& reader, SearchKey& key) {
    if (reader.peek('*') || (!reader.at_end() && reader.rest()[0] >= '0' && reader.rest()[0] <= '9')) {
        key.kind = Kind::sequence_set;
        key.set = NumberSet::read(reader);
        return key.set.has_value();
    }
    auto word = reader.atom();
    if (!word) return false;
    std::string name = upper(*word);
    for (const auto& simple : simple_keys) {
        if (name == simple.name) {
            key.kind = simple.kind;
            key.flag = simple.flag;
            return true;
        }
    }
    if (name == "UID") {
        key.kind = Kind::uid_set;
        if (!reader.space()) return false;
        key.set = NumberSet::read(reader);
        return key.set.has_value();
    }
    if (name == "LARGER" || name == "SMALLER") {
        key.kind = name == "LARGER" ? Kind::larger : Kind::smaller;
        if (!reader.space()) return false;
        auto n = reader.number64();
        if (!n) return false;
        key.number = *n;
        return true;
    }
    if (name == "KEYWORD" || name == "UNKEYWORD") {
        key.kind = name == "KEYWORD" ? Kind::keyword : Kind::unkeyword;
        if (!reader.space()) return false;
        auto flag = reader.atom();
        if (!flag) return false;
        key.name = *flag;
        return true;
    }
    for (const auto& date : date_keys) {
        if (name == date.name) {
            key.kind = date.kind;
            if (!reader.space()) return false;
            auto text = reader.astring();
            if (!text) return false;
            auto day = parse_search_date(*text);
            if (!day) return reader.fail("Invalid date " + text->substr(0, 30) + " (expected e.g. 1-Feb-2026)");
            key.day = *day;
            return true;
        }
    }
    for (const auto& string_key : string_keys) {
        if (name == string_key.name) {
            key.kind = string_key.kind;
            key.name = string_key.header;
            if (!reader.space()) return false;
            auto value = reader.astring();
            if (!value) return false;
            key.value = *value;
            return true;
        }
    }
    if (name == "HEADER") {
        key.kind = Kind::header;
        if (!reader.space()) return false;
        auto field = reader.astring();
        if (!field || !reader.space()) return false;
        auto value = reader.astring();
        if (!value) return false;
        key.name = *field;
        key.value = *value;
        return true;
    }
    return reader.fail("Unknown search key " + name.substr(0, 30));
}

/// False only when no field of header can match needle (folded): a plain search of the raw bytes
/// decides when the needle is ASCII without blanks (folding lines only changes line breaks before
/// blanks, and case folding never makes ASCII out of other bytes) and no encoded word needs
/// decoding. Most messages are ruled out this way without parsing their header.
bool could_contain(std::string_view header, std::string_view needle) {
    if (needle.empty() || header.find("=?") != std::string_view::npos) return true;
    for (char ch : needle) {
        if (static_cast<unsigned char>(ch) >= 0x80 || ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') return true;
    }
    return contains_folded(header, needle);
}

/// Fields named name (any field when name is empty) whose decoded value contains the folded needle.
bool header_matches(SearchCandidate& c, std::string_view name, const std::string& needle) {
    const std::string& header = c.header();
    if (!could_contain(header, needle)) return false;
    for (const auto& field : parse_header(header, 0, header.size())) {
        if (!name.empty() && !iequals_ascii(field.name, name)) continue;
        if (needle.empty()) return true;  // HEADER x "": the field exists
        if (message::fold_case(message::decode_encoded_words(field.value)).find(needle) != std::string::npos)
            return true;
        if (name.empty() && message::fold_case(field.name).find(needle) != std::string::npos) return true;
    }
    return false;
}

void collect_text(std::string_view raw, const MimePart& part, std::string& out) {
    if (part.is_multipart() || part.is_message_rfc822()) {
        for (const auto& child : part.children) collect_text(raw, child, out);
        return;
    }
    if (!iequals_ascii(part.type, "text") || part.body_end > raw.size()) return;
    std::string charset = "us-ascii";
    for (const auto& [key, value] : part.parameters)
        if (iequals_ascii(key, "charset")) charset = value;
    std::string decoded = message::decode_transfer_encoding(raw.substr(part.body_begin, part.body_size()),
                                                            part.encoding.value_or("7bit"));
    out += message::fold_case(message::to_utf8(decoded, charset));
    out += '\n';
}

std::int64_t sent_day(SearchCandidate& c) {
    auto fields = parse_header(c.header(), 0, c.header().size());
    if (auto date = header_value(fields, "Date")) {
        if (auto parsed = parse_rfc5322_date(*date)) return day_number(parsed->unix_seconds, parsed->offset_minutes);
    }
    return day_number(c.info->internal_date, c.info->internal_date_offset);  // no usable Date:
}

}  // namespace

std::string searchable_body(std::string_view raw, const MimePart& root) {
    std::string out;
    collect_text(raw, root, out);
    return out;
}

bool contains_folded(std::string_view haystack, std::string_view needle) {
    if (needle.empty()) return true;
    auto fold = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                          [&](char a, char b) { return fold(a) == fold(b); });
    return it != haystack.end();
}

std::optional<SearchKey> read_search_program(CommandReader& reader, std::size_t max_depth, bool& bad_charset) {
    bad_charset = false;
    if (reader.keyword("CHARSET ")) {
        auto charset = reader.astring();
        if (!charset || !reader.space()) return std::nullopt;
        std::string upper_charset = upper(*charset);
        if (upper_charset != "UTF-8" && upper_charset != "US-ASCII") {
            bad_charset = true;
            return std::nullopt;
        }
    }
    SearchKey program;
    if (!read_key_list(reader, program, 0, max_depth, false)) return std::nullopt;
    return program;
}

bool search_matches(const SearchKey& key, SearchCandidate& c) {
    const store::MessageInfo& m = *c.info;
    switch (key.kind) {
        case Kind::all: return true;
        case Kind::all_of:
            // Cheap keys first: they decide most messages without reading them.
            for (const auto& child : key.children)
                if (child.kind != Kind::header && child.kind != Kind::body && child.kind != Kind::text &&
                    !search_matches(child, c))
                    return false;
            for (const auto& child : key.children)
                if ((child.kind == Kind::header || child.kind == Kind::body || child.kind == Kind::text) &&
                    !search_matches(child, c))
                    return false;
            return true;
        case Kind::any_of: return search_matches(key.children[0], c) || search_matches(key.children[1], c);
        case Kind::negation: return !search_matches(key.children[0], c);
        case Kind::flag_set: return (m.flags & key.flag) != 0;
        case Kind::flag_unset: return (m.flags & key.flag) == 0;
        case Kind::keyword:
        case Kind::unkeyword: {
            bool has = std::any_of(m.keywords.begin(), m.keywords.end(),
                                   [&](const std::string& k) { return iequals_ascii(k, key.name); });
            return key.kind == Kind::keyword ? has : !has;
        }
        case Kind::new_: return c.recent && !(m.flags & store::flag_seen);
        case Kind::old: return !c.recent;
        case Kind::recent: return c.recent;
        case Kind::sequence_set: return key.set->contains(c.seq, c.exists);
        case Kind::uid_set: return key.set->contains(m.uid, c.max_uid);
        case Kind::larger: return m.size > key.number;
        case Kind::smaller: return m.size < key.number;
        case Kind::before:
        case Kind::on:
        case Kind::since: {
            std::int64_t day = day_number(m.internal_date, m.internal_date_offset);
            return key.kind == Kind::before ? day < key.day : key.kind == Kind::on ? day == key.day : day >= key.day;
        }
        case Kind::sent_before:
        case Kind::sent_on:
        case Kind::sent_since: {
            std::int64_t day = sent_day(c);
            return key.kind == Kind::sent_before ? day < key.day
                   : key.kind == Kind::sent_on   ? day == key.day
                                                 : day >= key.day;
        }
        case Kind::header: return header_matches(c, key.name, message::fold_case(key.value));
        case Kind::body:
            return searchable_body(c.raw(), c.structure()).find(message::fold_case(key.value)) != std::string::npos;
        case Kind::text: {
            // Unless its header matches, a message's body is searched too: read the whole message
            // first, so that the header is taken from it rather than read on its own as well.
            c.raw();
            std::string needle = message::fold_case(key.value);
            return header_matches(c, "", needle) ||
                   searchable_body(c.raw(), c.structure()).find(needle) != std::string::npos;
        }
    }
    return false;
}

}  // namespace imap
