// The options every maild program that opens the store shares (smtpd, imapd): where the store is,
// how long to wait for it when another process holds the write lock, and the local mail domains.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "store/mail_store.hpp"

namespace store {

struct StoreSettings {
    std::filesystem::path path;
    OpenOptions open_options;
    /// Local mail domains, lower-cased, at least one. The first is the default login domain.
    std::vector<std::string> domains;
};

/// Adds store, store-busy-timeout and domain.
void add_store_options(maild::config::po::options_description& options);

/// Reads them back, checked. Throws maild::config::ConfigError naming the option.
StoreSettings read_store_settings(const maild::config::po::variables_map& vm);

}  // namespace store

namespace store {

/// The account a login name refers to: a full address as given; a bare local part ("alice")
/// means that user in the first local domain (domains must not be empty).
std::string login_address(std::string_view login, const std::vector<std::string>& domains);

}  // namespace store
