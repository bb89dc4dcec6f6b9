// Trace headers prepended on delivery (RFC 5321 §4.4): Return-Path and Received.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace smtp {

struct TraceInfo {
    std::string sender;        ///< reverse-path without brackets; empty for <>
    std::string helo_name;     ///< what the client said in EHLO/HELO
    std::string peer_address;  ///< numeric IP
    std::string our_hostname;
    std::string protocol;  ///< "SMTP", "ESMTP" or "UTF8SMTP" (RFC 3848, RFC 6531)
    std::string queue_id;
    std::string single_recipient;  ///< for the "for <...>" clause; empty with several recipients
    std::time_t when = 0;
};

/// "Return-Path: <s>\r\nReceived: from ...\r\n" folded at whitespace, ready to prepend.
std::string trace_headers(const TraceInfo& info);

/// RFC 5322 date-time in UTC: "Tue, 24 Nov 2026 10:00:00 +0000".
std::string rfc5322_date(std::time_t when);

}  // namespace smtp
