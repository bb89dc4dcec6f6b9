// Dropping root after the ports are bound (the daemons may start as root to bind 25/143/465/587/993).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace maild {

class PrivilegeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// When running as root and user is given: switches to that user and group (the user's primary
/// group unless group is given), supplementary groups included, irreversibly, and checks that
/// root cannot be regained. When not root: a given user must be the current one. Throws
/// PrivilegeError with what went wrong and what to do.
void drop_privileges(const std::optional<std::string>& user, const std::optional<std::string>& group);

}  // namespace maild
