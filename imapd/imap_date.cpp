#include "imapd/imap_date.hpp"

#include <array>
#include <cctype>
#include <cstdio>

namespace imap {

namespace {

constexpr std::array<const char*, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/// Days from 1970-01-01 to a civil date (proleptic Gregorian), Howard Hinnant's algorithm.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
}

std::optional<unsigned> month_number(std::string_view name) {
    for (unsigned i = 0; i < 12; ++i) {
        std::string_view m = month_names[i];
        if (name.size() == 3 && std::tolower(name[0]) == std::tolower(m[0]) &&
            std::tolower(name[1]) == std::tolower(m[1]) && std::tolower(name[2]) == std::tolower(m[2])) {
            return i + 1;
        }
    }
    return std::nullopt;
}

/// A cursor over text with the small pieces dates are made of.
struct Reader {
    std::string_view text;
    std::size_t pos = 0;

    bool at_end() const { return pos >= text.size(); }
    void skip_spaces() {
        while (!at_end() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
    }
    bool literal(char c) {
        if (at_end() || text[pos] != c) return false;
        ++pos;
        return true;
    }
    std::optional<unsigned> digits(std::size_t min, std::size_t max) {
        std::size_t start = pos;
        unsigned value = 0;
        while (!at_end() && pos - start < max && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            value = value * 10 + static_cast<unsigned>(text[pos++] - '0');
        }
        if (pos - start < min) return std::nullopt;
        return value;
    }
    std::string_view word() {
        std::size_t start = pos;
        while (!at_end() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
        return text.substr(start, pos - start);
    }
};

bool valid_day(int year, unsigned month, unsigned day) {
    static constexpr unsigned lengths[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > lengths[month - 1]) return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return !(month == 2 && day == 29 && !leap);
}

std::optional<std::int32_t> zone(Reader& r) {
    std::size_t start = r.pos;
    if (r.literal('+') || r.literal('-')) {
        bool negative = r.text[start] == '-';
        auto hhmm = r.digits(4, 4);
        if (!hhmm) return std::nullopt;
        auto minutes = static_cast<std::int32_t>(*hhmm / 100 * 60 + *hhmm % 100);
        return negative ? -minutes : minutes;
    }
    std::string_view name = r.word();  // obsolete zones (RFC 5322 §4.3)
    static constexpr std::pair<std::string_view, std::int32_t> zones[] = {
        {"UT", 0},     {"GMT", 0},    {"Z", 0},      {"EST", -300}, {"EDT", -240}, {"CST", -360},
        {"CDT", -300}, {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
    };
    for (const auto& [zone_name, offset] : zones) {
        if (name.size() == zone_name.size()) {
            bool same = true;
            for (std::size_t i = 0; i < name.size(); ++i)
                if (std::toupper(static_cast<unsigned char>(name[i])) != zone_name[i]) same = false;
            if (same) return offset;
        }
    }
    return name.empty() ? std::nullopt : std::optional<std::int32_t>(0);  // unknown military zones: UTC
}

}  // namespace

std::int64_t day_number(std::int64_t unix_seconds, std::int32_t offset_minutes) {
    std::int64_t local = unix_seconds + std::int64_t{offset_minutes} * 60;
    return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

std::optional<DateTime> parse_date_time(std::string_view text) {
    Reader r{text};
    r.skip_spaces();
    auto day = r.digits(1, 2);
    if (!day || !r.literal('-')) return std::nullopt;
    auto month = month_number(r.word());
    if (!month || !r.literal('-')) return std::nullopt;
    auto year = r.digits(4, 4);
    if (!year || !r.literal(' ')) return std::nullopt;
    auto hour = r.digits(2, 2);
    if (!hour || !r.literal(':')) return std::nullopt;
    auto minute = r.digits(2, 2);
    if (!minute || !r.literal(':')) return std::nullopt;
    auto second = r.digits(2, 2);
    if (!second || !r.literal(' ')) return std::nullopt;
    std::size_t zone_start = r.pos;
    if (!(r.literal('+') || r.literal('-'))) return std::nullopt;
    r.pos = zone_start;
    auto offset = zone(r);
    if (!offset || !r.at_end()) return std::nullopt;
    if (!valid_day(static_cast<int>(*year), *month, *day) || *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    std::int64_t days = days_from_civil(*year, *month, *day);
    std::int64_t seconds = days * 86400 + *hour * 3600 + *minute * 60 + *second - std::int64_t{*offset} * 60;
    return DateTime{seconds, *offset};
}

std::string format_date_time(const DateTime& when) {
    std::int64_t local = when.unix_seconds + std::int64_t{when.offset_minutes} * 60;
    std::int64_t days = day_number(local, 0);
    std::int64_t secs = local - days * 86400;
    int year;
    unsigned month, day;
    civil_from_days(days, year, month, day);
    std::int32_t offset = when.offset_minutes;
    char sign = offset < 0 ? '-' : '+';
    if (offset < 0) offset = -offset;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%02u-%s-%04d %02d:%02d:%02d %c%02d%02d", day, month_names[month - 1], year,
                  static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60), sign,
                  offset / 60, offset % 60);
    return buffer;
}

std::optional<std::int64_t> parse_search_date(std::string_view text) {
    Reader r{text};
    auto day = r.digits(1, 2);
    if (!day || !r.literal('-')) return std::nullopt;
    auto month = month_number(r.word());
    if (!month || !r.literal('-')) return std::nullopt;
    auto year = r.digits(4, 4);
    if (!year || !r.at_end() || !valid_day(static_cast<int>(*year), *month, *day)) return std::nullopt;
    return days_from_civil(*year, *month, *day);
}

std::optional<DateTime> parse_rfc5322_date(std::string_view text) {
    // [day-of-week ","] day month year hour ":" minute [":" second] zone, with CFWS loosely skipped.
    std::string cleaned;
    int depth = 0;
    for (char c : text) {  // drop comments and fold whitespace
        if (c == '(') {
            ++depth;
        } else if (c == ')' && depth > 0) {
            --depth;
        } else if (depth == 0) {
            cleaned += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
        }
    }
    Reader r{cleaned};
    r.skip_spaces();
    std::size_t before = r.pos;
    std::string_view weekday = r.word();
    if (!weekday.empty()) {
        r.skip_spaces();
        if (!r.literal(',')) r.pos = before;
        r.skip_spaces();
    }
    auto day = r.digits(1, 2);
    r.skip_spaces();
    auto month = month_number(r.word());
    r.skip_spaces();
    auto year = r.digits(2, 4);
    r.skip_spaces();
    if (!day || !month || !year) return std::nullopt;
    unsigned y = *year;
    if (y < 50)
        y += 2000;  // RFC 5322 §4.3 obsolete two-digit years
    else if (y < 1000)
        y += 1900;
    auto hour = r.digits(1, 2);
    if (!hour || !r.literal(':')) return std::nullopt;
    auto minute = r.digits(2, 2);
    if (!minute) return std::nullopt;
    unsigned second = 0;
    if (r.literal(':')) {
        auto s = r.digits(2, 2);
        if (!s) return std::nullopt;
        second = *s;
    }
    r.skip_spaces();
    std::int32_t offset = 0;
    if (!r.at_end()) {
        auto z = zone(r);
        if (z) offset = *z;
    }
    if (!valid_day(static_cast<int>(y), *month, *day) || *hour > 23 || *minute > 59 || second > 60) return std::nullopt;
    std::int64_t seconds =
        days_from_civil(y, *month, *day) * 86400 + *hour * 3600 + *minute * 60 + second - std::int64_t{offset} * 60;
    return DateTime{seconds, offset};
}

}  // namespace imap
