// Parsing of SMTP command lines (RFC 5321 §4.1): the verb, and the path arguments of MAIL/RCPT
// with their ESMTP parameters. Pure functions over strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtp {

struct CommandLine {
    std::string verb;      ///< upper-cased first word
    std::string argument;  ///< the rest, leading and trailing blanks removed
};

CommandLine split_command(std::string_view line);

/// One ESMTP parameter: "SIZE=1000" → {"SIZE", "1000"}; "SMTPUTF8" → {"SMTPUTF8", nullopt}.
struct EsmtpParameter {
    std::string keyword;  ///< upper-cased
    std::optional<std::string> value;
};

struct PathArgument {
    std::string address;  ///< without angle brackets and source route; empty for the null path <>
    bool null_path = false;
    std::vector<EsmtpParameter> parameters;
};

struct PathParse {
    std::optional<PathArgument> path;  ///< nullopt on a syntax error
    std::string error;                 ///< what was wrong, for the 501 reply
};

/// Parses the argument of MAIL or RCPT: `FROM:<path> [params]` where `keyword` is "FROM" or "TO".
/// Tolerates blanks after the colon and a missing pair of angle brackets (as Postfix does);
/// removes an RFC 5321 §C source route (`<@a,@b:user@c>`).
PathParse parse_path_argument(std::string_view argument, std::string_view keyword);

}  // namespace smtp
