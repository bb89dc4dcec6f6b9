#include "imapd/flag_names.hpp"

#include "store/mail_store.hpp"

namespace imap {

namespace {

struct FlagName {
    const char* name;
    std::uint32_t bit;
};
constexpr FlagName system_flags[] = {
    {"\\Seen", store::flag_seen},       {"\\Answered", store::flag_answered}, {"\\Flagged", store::flag_flagged},
    {"\\Deleted", store::flag_deleted}, {"\\Draft", store::flag_draft},
};

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

}  // namespace

std::optional<std::uint32_t> system_flag_bit(std::string_view name) {
    for (const auto& flag : system_flags)
        if (iequal(name, flag.name)) return flag.bit;
    return std::nullopt;
}

bool is_keyword(std::string_view name) {
    if (name.empty() || name.size() > 100) return false;
    for (char ch : name) {
        auto c = static_cast<unsigned char>(ch);
        // ATOM-CHAR minus the atom-specials: ( ) { SP CTL % * " \ ]
        if (c <= ' ' || c >= 0x7f || std::string_view("(){%*\"\\]").find(ch) != std::string_view::npos) return false;
    }
    return true;
}

std::optional<FlagSet> read_flag_list(CommandReader& reader, bool parentheses_optional) {
    bool parenthesized = reader.consume('(');
    if (!parenthesized && !parentheses_optional) {
        reader.fail("Expected a parenthesized flag list");
        return std::nullopt;
    }
    FlagSet set;
    bool first = true;
    while (parenthesized ? !reader.consume(')') : !reader.at_end()) {
        if (!first && !reader.space()) return std::nullopt;
        first = false;
        auto flag = reader.word(" ()");
        if (!flag) return std::nullopt;
        if (auto bit = system_flag_bit(*flag)) {
            set.flags |= *bit;
        } else if (is_keyword(*flag)) {
            set.keywords.push_back(*flag);
        } else {
            reader.fail("Invalid flag " + flag->substr(0, 40) + " (\\Recent and unknown \\flags cannot be set)");
            return std::nullopt;
        }
    }
    return set;
}

void append_flag_list(std::string& out, std::uint32_t flags, const std::vector<std::string>& keywords, bool recent) {
    out += '(';
    const std::size_t first = out.size();
    auto add = [&](std::string_view name) {
        if (out.size() > first) out += ' ';
        out += name;
    };
    for (const auto& flag : system_flags)
        if (flags & flag.bit) add(flag.name);
    if (recent) add("\\Recent");
    for (const auto& keyword : keywords) add(keyword);
    out += ')';
}

std::string flag_list(std::uint32_t flags, const std::vector<std::string>& keywords, bool recent) {
    std::string out;
    append_flag_list(out, flags, keywords, recent);
    return out;
}

}  // namespace imap
