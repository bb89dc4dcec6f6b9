#include "store/store_options.hpp"

#include <cctype>

namespace store {

namespace po = maild::config::po;
using maild::config::ConfigError;

void add_store_options(po::options_description& options) {
    // clang-format off
    options.add_options()
        ("store", po::value<std::string>()->default_value("/var/lib/maild/maild.db")->value_name("FILE"),
         "the SQLite mailbox store (create it with: mailctl --store FILE init)")
        ("store-busy-timeout", po::value<long>()->default_value(5000)->value_name("MS"),
         "wait this long for a store locked by another process before a temporary failure")
        ("auth-cache-ttl", po::value<long>()->default_value(3600)->value_name("SECONDS"),
         "accept a password verified this recently again without the slow hash, while the stored "
         "hash is unchanged (0: hash every login)")
        ("domain", po::value<std::vector<std::string>>()->multitoken()
             ->default_value({"localhost"}, "localhost")->value_name("DOMAIN"),
         "a local mail domain; repeat for several. The first is the default login domain");
    // clang-format on
}

StoreSettings read_store_settings(const po::variables_map& vm) {
    StoreSettings settings;
    settings.path = vm["store"].as<std::string>();
    if (settings.path.empty()) throw ConfigError("--store must name a file");
    long busy_ms = vm["store-busy-timeout"].as<long>();
    if (busy_ms <= 0) throw ConfigError("--store-busy-timeout must be greater than 0");
    settings.open_options.create_if_missing = false;
    settings.open_options.busy_timeout = std::chrono::milliseconds(busy_ms);
    long cache_ttl = vm["auth-cache-ttl"].as<long>();
    if (cache_ttl < 0) throw ConfigError("--auth-cache-ttl must not be negative");
    settings.open_options.password_cache_ttl = std::chrono::seconds(cache_ttl);
    for (std::string domain : vm["domain"].as<std::vector<std::string>>()) {
        if (domain.empty() || domain.find_first_of(" @<>\t[]") != std::string::npos) {
            throw ConfigError("--domain '" + domain + "' is not a domain name");
        }
        for (char& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        settings.domains.push_back(domain);
    }
    if (settings.domains.empty()) throw ConfigError("at least one --domain is needed");
    return settings;
}

}  // namespace store

namespace store {

std::string login_address(std::string_view login, const std::vector<std::string>& domains) {
    if (login.find('@') != std::string_view::npos || domains.empty()) return std::string(login);
    return std::string(login) + "@" + domains.front();
}

}  // namespace store
