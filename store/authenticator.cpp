#include "store/authenticator.hpp"

#include <thread>

#include "common/log.hpp"
#include "store/store_options.hpp"

namespace store {

std::optional<UserInfo> Authenticator::authenticate(std::string_view login, std::string_view password,
                                                    const std::string& peer) {
    if (throttle_) {
        auto delay = throttle_->delay_for(peer);
        if (delay.count() > 0) {
            maild::log::info(0, "event=login-delayed peer=" + peer + " delay_ms=" + std::to_string(delay.count()));
            std::this_thread::sleep_for(delay);
        }
    }
    std::string address = login_address(login, domains_);
    std::optional<UserInfo> user;
    if (store_.verify_password(address, password)) user = store_.find_user(address);
    if (throttle_) {
        if (user) {
            throttle_->record_success(peer);
        } else {
            throttle_->record_failure(peer);
        }
    }
    return user;
}

}  // namespace store
