// The SMTP session's view of password checking (AUTH, RFC 4954): a seam, so the protocol is
// tested without a store. The production one asks store::Authenticator.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/authenticator.hpp"

namespace smtp {

class LoginChecker {
public:
    virtual ~LoginChecker() = default;
    /// The account's address when the login is right; nullopt otherwise. May block a while.
    virtual std::optional<std::string> check(std::string_view login, std::string_view password,
                                             const std::string& peer) = 0;
};

class StoreLoginChecker : public LoginChecker {
public:
    explicit StoreLoginChecker(store::Authenticator& authenticator) : authenticator_(authenticator) {}
    std::optional<std::string> check(std::string_view login, std::string_view password,
                                     const std::string& peer) override {
        try {
            auto user = authenticator_.authenticate(login, password, peer);
            if (user) return user->address;
        } catch (const store::StoreError&) {
        }
        return std::nullopt;
    }

private:
    store::Authenticator& authenticator_;
};

}  // namespace smtp
