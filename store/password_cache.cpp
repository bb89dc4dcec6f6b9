#include "store/password_cache.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cctype>
#include <stdexcept>

namespace store {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

PasswordCache::PasswordCache(std::chrono::seconds ttl, std::size_t max_entries) : ttl_(ttl), max_entries_(max_entries) {
    if (RAND_bytes(secret_.data(), static_cast<int>(secret_.size())) != 1) {
        throw std::runtime_error("no random bytes for the password cache");
    }
}

PasswordCache::Digest PasswordCache::digest(std::string_view address, std::string_view password) const {
    std::string data = lower(address);
    data.push_back('\0');
    data.append(password);
    Digest out{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
    OPENSSL_cleanse(data.data(), data.size());
    return out;
}

bool PasswordCache::verified_locked(const std::string& key, const Digest& given, std::string_view stored_hash,
                                    Clock::time_point now) const {
    auto it = entries_.find(key);
    if (it == entries_.end() || now >= it->second.expires || it->second.stored_hash != stored_hash) return false;
    return CRYPTO_memcmp(given.data(), it->second.digest.data(), given.size()) == 0;
}

void PasswordCache::remember_locked(std::string key, const Digest& d, std::string_view stored_hash,
                                    Clock::time_point now) {
    if (entries_.size() >= max_entries_) {
        std::erase_if(entries_, [&](const auto& entry) { return now >= entry.second.expires; });
        if (entries_.size() >= max_entries_) entries_.clear();  // bounded memory over hit rate
    }
    entries_.insert_or_assign(std::move(key), Entry{d, std::string(stored_hash), now + ttl_});
}

bool PasswordCache::verified(std::string_view address, std::string_view password, std::string_view stored_hash,
                             Clock::time_point now) const {
    if (ttl_.count() <= 0 || stored_hash.empty()) return false;
    Digest given = digest(address, password);
    std::lock_guard lock(mutex_);
    return verified_locked(lower(address), given, stored_hash, now);
}

void PasswordCache::remember(std::string_view address, std::string_view password, std::string_view stored_hash,
                             Clock::time_point now) {
    if (ttl_.count() <= 0 || stored_hash.empty()) return;
    Digest d = digest(address, password);
    std::lock_guard lock(mutex_);
    remember_locked(lower(address), d, stored_hash, now);
}

bool PasswordCache::check(std::string_view address, std::string_view password, std::string_view stored_hash,
                          const std::function<bool()>& slow_check) {
    if (ttl_.count() <= 0 || stored_hash.empty()) return slow_check();
    const Digest given = digest(address, password);
    std::pair<std::string, Digest> flight{lower(address), given};
    std::unique_lock lock(mutex_);
    while (!verified_locked(flight.first, given, stored_hash, Clock::now())) {
        if (!checking_.contains(flight)) {
            checking_.insert(flight);
            lock.unlock();
            bool ok = false;
            try {
                ok = slow_check();
            } catch (...) {
                lock.lock();
                checking_.erase(flight);
                check_done_.notify_all();
                throw;
            }
            lock.lock();
            if (ok) remember_locked(flight.first, given, stored_hash, Clock::now());
            checking_.erase(flight);
            check_done_.notify_all();
            return ok;
        }
        ++waiting_;
        check_done_.wait(lock);
        --waiting_;
    }
    return true;
}

std::size_t PasswordCache::waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
}

}  // namespace store
