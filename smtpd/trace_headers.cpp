#include "smtpd/trace_headers.hpp"

#include <array>
#include <cstdio>

namespace smtp {

namespace {

/// Header text must not carry CR, LF or other controls from the client (header injection).
std::string header_safe(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        out += (c < ' ' || c == 0x7f) ? '?' : ch;
    }
    return out;
}

std::string address_literal(std::string_view ip) {
    if (ip.find(':') != std::string_view::npos) return "[IPv6:" + std::string(ip) + "]";
    return "[" + std::string(ip) + "]";
}

}  // namespace

std::string rfc5322_date(std::time_t when) {
    std::tm tm{};
    gmtime_r(&when, &tm);
    static constexpr std::array<const char*, 7> days = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
                  months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buffer;
}

std::string trace_headers(const TraceInfo& info) {
    std::string out = "Return-Path: <" + header_safe(info.sender) + ">\r\n";
    out += "Received: from " + header_safe(info.helo_name.empty() ? "unknown" : info.helo_name) + " (unknown " +
           address_literal(info.peer_address) + ")\r\n";
    out += "\tby " + header_safe(info.our_hostname) + " (maild) with " + info.protocol + " id " + info.queue_id;
    if (!info.single_recipient.empty()) out += "\r\n\tfor <" + header_safe(info.single_recipient) + ">";
    out += "; " + rfc5322_date(info.when) + "\r\n";
    return out;
}

}  // namespace smtp
