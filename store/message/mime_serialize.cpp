#include "store/message/mime_serialize.hpp"

#include <cstdint>

namespace message {

namespace {

constexpr char format_version = 1;
constexpr std::size_t max_parts = 100000;

class Writer {
public:
    void number(std::uint64_t n) {
        do {
            auto byte = static_cast<unsigned char>(n & 0x7f);
            n >>= 7;
            out += static_cast<char>(n ? (byte | 0x80) : byte);
        } while (n);
    }
    void text(const std::string& s) {
        number(s.size());
        out += s;
    }
    void optional_text(const std::optional<std::string>& s) {
        out += s ? '\1' : '\0';
        if (s) text(*s);
    }
    void parameters(const Parameters& params) {
        number(params.size());
        for (const auto& [name, value] : params) {
            text(name);
            text(value);
        }
    }
    std::string out;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool number(std::uint64_t& n) {
        n = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= in_.size()) return false;
            auto byte = static_cast<unsigned char>(in_[pos_++]);
            n |= std::uint64_t{byte & 0x7fu} << shift;
            if (!(byte & 0x80)) return true;
        }
        return false;
    }
    bool size(std::size_t& n) {
        std::uint64_t v;
        if (!number(v) || v > in_.size()) return false;
        n = static_cast<std::size_t>(v);
        return true;
    }
    bool text(std::string& s) {
        std::size_t n;
        if (!size(n) || in_.size() - pos_ < n) return false;
        s.assign(in_.substr(pos_, n));
        pos_ += n;
        return true;
    }
    bool optional_text(std::optional<std::string>& s) {
        if (pos_ >= in_.size()) return false;
        char present = in_[pos_++];
        if (present == '\0') {
            s.reset();
            return true;
        }
        if (present != '\1') return false;
        s.emplace();
        return text(*s);
    }
    bool parameters(Parameters& params) {
        std::size_t n;
        if (!size(n)) return false;
        params.clear();
        for (std::size_t i = 0; i < n; ++i) {
            std::string name, value;
            if (!text(name) || !text(value)) return false;
            params.emplace_back(std::move(name), std::move(value));
        }
        return true;
    }
    bool byte(char& c) {
        if (pos_ >= in_.size()) return false;
        c = in_[pos_++];
        return true;
    }
    bool at_end() const { return pos_ == in_.size(); }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
};

void write_part(Writer& w, const MimePart& part) {
    w.number(part.header_begin);
    w.number(part.body_begin);
    w.number(part.body_end);
    w.number(part.lines);
    w.number(part.type_given ? 1 : 0);
    w.text(part.type);
    w.text(part.subtype);
    w.parameters(part.parameters);
    w.optional_text(part.id);
    w.optional_text(part.description);
    w.optional_text(part.encoding);
    w.optional_text(part.md5);
    w.optional_text(part.language);
    w.optional_text(part.location);
    w.optional_text(part.disposition);
    w.parameters(part.disposition_parameters);
    w.number(part.children.size());
    for (const auto& child : part.children) write_part(w, child);
}

bool read_part(Reader& r, MimePart& part, std::size_t& budget, int depth) {
    if (budget == 0 || depth > 200) return false;
    --budget;
    std::uint64_t header_begin, body_begin, body_end, lines, type_given;
    if (!r.number(header_begin) || !r.number(body_begin) || !r.number(body_end) || !r.number(lines) ||
        !r.number(type_given)) {
        return false;
    }
    if (header_begin > body_begin || body_begin > body_end) return false;
    part.header_begin = header_begin;
    part.body_begin = body_begin;
    part.body_end = body_end;
    part.lines = lines;
    part.type_given = type_given != 0;
    if (!r.text(part.type) || !r.text(part.subtype) || !r.parameters(part.parameters) || !r.optional_text(part.id) ||
        !r.optional_text(part.description) || !r.optional_text(part.encoding) || !r.optional_text(part.md5) ||
        !r.optional_text(part.language) || !r.optional_text(part.location) || !r.optional_text(part.disposition) ||
        !r.parameters(part.disposition_parameters)) {
        return false;
    }
    std::size_t children;
    if (!r.size(children) || children > budget) return false;
    part.children.resize(children);
    for (auto& child : part.children)
        if (!read_part(r, child, budget, depth + 1)) return false;
    return true;
}

}  // namespace

std::string serialize_structure(const MimePart& root) {
    Writer w;
    w.out += format_version;
    write_part(w, root);
    return w.out;
}

std::optional<MimePart> deserialize_structure(std::string_view bytes) {
    Reader r(bytes);
    char version;
    if (!r.byte(version) || version != format_version) return std::nullopt;
    MimePart root;
    std::size_t budget = max_parts;
    if (!read_part(r, root, budget, 0) || !r.at_end()) return std::nullopt;
    return root;
}

bool structure_fits(const MimePart& part, std::size_t raw_size) {
    if (part.body_end > raw_size) return false;
    for (const auto& child : part.children)
        if (child.header_begin < part.header_begin || !structure_fits(child, raw_size)) return false;
    return true;
}

std::string build_structure(std::string_view raw) { return serialize_structure(parse_message(raw)); }

}  // namespace message
