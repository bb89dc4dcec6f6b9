#include "imapd/fetch_request.hpp"

namespace imap {

namespace {

std::string upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return s;
}

/// section-spec inside [ ]: part numbers, then HEADER / TEXT / MIME / HEADER.FIELDS[.NOT] (list).
bool read_section(CommandReader& reader, BodySection& section) {
    while (!reader.peek(']')) {
        if (reader.peek('.')) return reader.fail("Unexpected '.' in section");
        if (!reader.at_end() && reader.rest()[0] >= '0' && reader.rest()[0] <= '9') {
            auto n = reader.number();
            if (!n || *n == 0) return reader.fail("Invalid section part number");
            section.part.push_back(*n);
            if (section.part.size() > 50) return reader.fail("Section nested too deep");
            if (!reader.consume('.')) continue;
            if (reader.peek(']')) return reader.fail("Section ends with '.'");
            continue;
        }
        if (reader.keyword("HEADER.FIELDS.NOT")) {
            section.which = BodySection::Which::header_fields_not;
        } else if (reader.keyword("HEADER.FIELDS")) {
            section.which = BodySection::Which::header_fields;
        } else if (reader.keyword("HEADER")) {
            section.which = BodySection::Which::header;
        } else if (reader.keyword("TEXT")) {
            section.which = BodySection::Which::text;
        } else if (reader.keyword("MIME")) {
            if (section.part.empty()) return reader.fail("MIME needs a part number");
            section.which = BodySection::Which::mime;
        } else {
            return reader.fail("Invalid section text");
        }
        if (section.which == BodySection::Which::header_fields ||
            section.which == BodySection::Which::header_fields_not) {
            if (!reader.space() || !reader.consume('(')) return reader.fail("HEADER.FIELDS needs a list");
            while (!reader.consume(')')) {
                if (!section.fields.empty() && !reader.space()) return false;
                auto field = reader.astring();
                if (!field) return false;
                section.fields.push_back(upper(*field));
                if (section.fields.size() > 1000) return reader.fail("Too many header fields");
            }
            if (section.fields.empty()) return reader.fail("Empty header field list");
        }
        if (!reader.peek(']')) return reader.fail("Expected ']'");
    }
    return reader.consume(']');
}

bool read_item(CommandReader& reader, FetchRequest& request) {
    auto name_word = reader.word(" ()[<");
    if (!name_word) return false;
    std::string name = upper(*name_word);
    if (name == "UID")
        request.uid = true;
    else if (name == "FLAGS")
        request.flags = true;
    else if (name == "INTERNALDATE")
        request.internal_date = true;
    else if (name == "RFC822.SIZE")
        request.size = true;
    else if (name == "ENVELOPE")
        request.envelope = true;
    else if (name == "BODYSTRUCTURE")
        request.body_structure = true;
    else if (name == "RFC822" || name == "RFC822.HEADER" || name == "RFC822.TEXT") {
        BodySection section;
        section.legacy_name = name;
        section.peek = name == "RFC822.HEADER";  // RFC822.HEADER is the PEEK form (RFC 3501 §6.4.5)
        section.which = name == "RFC822"          ? BodySection::Which::whole
                        : name == "RFC822.HEADER" ? BodySection::Which::header
                                                  : BodySection::Which::text;
        request.sections.push_back(std::move(section));
    } else if (name == "BODY" || name == "BODY.PEEK") {
        if (!reader.consume('[')) {
            if (name == "BODY.PEEK") return reader.fail("BODY.PEEK needs a section");
            request.body = true;
            return true;
        }
        BodySection section;
        section.peek = name == "BODY.PEEK";
        if (!read_section(reader, section)) return false;
        if (reader.consume('<')) {
            auto origin = reader.number();
            if (!origin || !reader.consume('.')) return reader.fail("Invalid partial <origin.count>");
            auto count = reader.number();
            if (!count || *count == 0 || !reader.consume('>')) return reader.fail("Invalid partial <origin.count>");
            section.origin = origin;
            section.count = count;
        }
        request.sections.push_back(std::move(section));
    } else {
        return reader.fail("Unknown FETCH item " + name.substr(0, 30));
    }
    return true;
}

}  // namespace

std::string BodySection::response_name() const {
    if (!legacy_name.empty()) return legacy_name;
    std::string out = "BODY[";
    for (std::size_t i = 0; i < part.size(); ++i) out += (i ? "." : "") + std::to_string(part[i]);
    auto dot = [&] { return part.empty() ? "" : "."; };
    switch (which) {
        case Which::whole: break;
        case Which::header: out += dot() + std::string("HEADER"); break;
        case Which::text: out += dot() + std::string("TEXT"); break;
        case Which::mime: out += dot() + std::string("MIME"); break;
        case Which::header_fields:
        case Which::header_fields_not: {
            out += dot() + std::string(which == Which::header_fields ? "HEADER.FIELDS (" : "HEADER.FIELDS.NOT (");
            for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? " " : "") + fields[i];
            out += ")";
            break;
        }
    }
    out += "]";
    if (origin) out += "<" + std::to_string(*origin) + ">";
    return out;
}

bool FetchRequest::sets_seen() const {
    for (const auto& section : sections)
        if (!section.peek) return true;
    return false;
}

std::optional<FetchRequest> read_fetch_request(CommandReader& reader) {
    FetchRequest request;
    if (reader.keyword("ALL")) {
        request.flags = request.internal_date = request.size = request.envelope = true;
        return request;
    }
    if (reader.keyword("FAST")) {
        request.flags = request.internal_date = request.size = true;
        return request;
    }
    if (reader.keyword("FULL")) {
        request.flags = request.internal_date = request.size = request.envelope = request.body = true;
        return request;
    }
    if (reader.consume('(')) {
        bool first = true;
        while (!reader.consume(')')) {
            if (!first && !reader.space()) return std::nullopt;
            first = false;
            if (!read_item(reader, request)) return std::nullopt;
        }
        if (first) {
            reader.fail("Empty FETCH item list");
            return std::nullopt;
        }
        return request;
    }
    if (!read_item(reader, request)) return std::nullopt;
    return request;
}

}  // namespace imap
