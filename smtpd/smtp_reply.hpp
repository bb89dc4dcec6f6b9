// SMTP replies (RFC 5321 §4.2) with enhanced status codes (RFC 3463, RFC 2034).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace smtp {

struct Reply {
    int code = 0;
    std::string enhanced;  ///< "2.0.0"; empty for the greeting and EHLO lines, which carry none
    std::vector<std::string> lines;

    bool is_error() const { return code >= 400; }
    bool is_temporary() const { return code >= 400 && code < 500; }
    /// The reply on the wire: "250-first\r\n250 last\r\n"; each line gets the enhanced code.
    std::string wire() const;
    /// One line for the log: "550 5.1.1 <x@y>: User unknown".
    std::string summary() const;
};

Reply reply(int code, std::string enhanced, std::string text);

}  // namespace smtp
