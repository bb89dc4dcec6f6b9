// IMAP dates (RFC 3501 §9: date and date-time) and the RFC 5322 Date: header, for INTERNALDATE,
// APPEND and SEARCH.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imap {

struct DateTime {
    std::int64_t unix_seconds = 0;
    std::int32_t offset_minutes = 0;  ///< the zone it was written in
};

/// "24-Nov-2026 10:00:00 +0100" (day may be " 4" or "4"). nullopt if malformed.
std::optional<DateTime> parse_date_time(std::string_view text);
/// INTERNALDATE form, always a two-character day: "04-Nov-2026 10:00:00 +0100".
std::string format_date_time(const DateTime& when);
/// SEARCH dates "4-Nov-2026": days since the Unix epoch. nullopt if malformed.
std::optional<std::int64_t> parse_search_date(std::string_view text);
/// The calendar day (days since the epoch) of a time in a given zone.
std::int64_t day_number(std::int64_t unix_seconds, std::int32_t offset_minutes);
/// An RFC 5322 Date: header value ("Tue, 24 Nov 2026 10:00:00 +0000", obsolete forms and
/// comments tolerated). nullopt if it cannot be read.
std::optional<DateTime> parse_rfc5322_date(std::string_view text);

}  // namespace imap
