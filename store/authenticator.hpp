// Checking a login: the login name (full address, or a bare local part for the first domain), the
// password against the stored hash, and the throttle that slows guessing down. Used by every
// protocol that takes passwords; thread-safe. Never says whether the user exists.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/login_throttle.hpp"
#include "store/mail_store.hpp"

namespace store {

class Authenticator {
public:
    /// throttle may be null (no delays, for tests).
    Authenticator(const MailStore& store, std::vector<std::string> domains, maild::LoginThrottle* throttle)
        : store_(store), domains_(std::move(domains)), throttle_(throttle) {}

    /// The account when the password is right. First waits as long as the throttle asks for
    /// this peer (in the calling thread). Throws StoreError only for store failures.
    std::optional<UserInfo> authenticate(std::string_view login, std::string_view password, const std::string& peer);

private:
    const MailStore& store_;
    std::vector<std::string> domains_;
    maild::LoginThrottle* throttle_;
};

}  // namespace store
