// Verified-password cache, as Dovecot's auth cache: a client that logs in over and over (mail
// clients open several connections, and reconnect) should not pay a slow yescrypt hash each time.
//
// After a password checks out against the stored hash, the cache keeps HMAC-SHA256(secret,
// address NUL password) together with that stored hash, for a limited time. A later login with the
// same address and password is accepted without hashing only while the stored hash is unchanged
// (a password change, from any process, ends it) and the entry has not expired. Only successes are
// kept; a wrong password always takes the slow path. The secret is random per process, so the
// cache holds nothing that could be used to find a password outside this process's memory.
//
// check() also makes concurrent logins with the same address and password share one hash: a mail
// client opens several connections at once, and after a restart every client reconnects at the
// same moment; each would otherwise miss the cache and pay the slow hash. While one thread checks a
// given address and password, the others wait and then find its success in the cache; after a
// failure they check for themselves, one at a time, so a wrong password still costs a hash each.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

namespace store {

class PasswordCache {
public:
    using Clock = std::chrono::steady_clock;

    /// ttl 0 disables the cache.
    PasswordCache(std::chrono::seconds ttl, std::size_t max_entries);

    /// True when this address and password were verified against stored_hash less than ttl ago.
    bool verified(std::string_view address, std::string_view password, std::string_view stored_hash,
                  Clock::time_point now = Clock::now()) const;
    /// Records a successful check of password against stored_hash.
    void remember(std::string_view address, std::string_view password, std::string_view stored_hash,
                  Clock::time_point now = Clock::now());

    /// verified(), else slow_check() (the hash) and remember() on success, with one slow_check
    /// at a time per address and password (see above). Exceptions from slow_check propagate.
    bool check(std::string_view address, std::string_view password, std::string_view stored_hash,
               const std::function<bool()>& slow_check);

    /// Threads waiting for another's check of the same address and password.
    std::size_t waiting() const;

private:
    using Digest = std::array<unsigned char, 32>;
    struct Entry {
        Digest digest;
        std::string stored_hash;
        Clock::time_point expires;
    };
    Digest digest(std::string_view address, std::string_view password) const;
    bool verified_locked(const std::string& key, const Digest& given, std::string_view stored_hash,
                         Clock::time_point now) const;
    void remember_locked(std::string key, const Digest& digest, std::string_view stored_hash, Clock::time_point now);

    std::chrono::seconds ttl_;
    std::size_t max_entries_;
    std::array<unsigned char, 32> secret_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;     // guarded by mutex_; by lower-cased address
    std::set<std::pair<std::string, Digest>> checking_;  // guarded by mutex_; checks under way
    std::size_t waiting_ = 0;                            // guarded by mutex_
    std::condition_variable check_done_;
};

}  // namespace store
