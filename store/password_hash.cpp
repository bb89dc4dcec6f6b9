#include "store/password_hash.hpp"

#include <crypt.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "store/mail_store.hpp"

namespace store {

namespace {

/// yescrypt is memory-hard: each hash briefly takes ~16 MiB. A thousand simultaneous logins must
/// not mean 16 GiB, so at most a few hashes run at once (they are CPU-bound anyway); the others
/// wait their turn - asleep: std::counting_semaphore spins with sched_yield before it sleeps, and
/// ten thousand logins spinning took two thirds of the CPU from the hashing itself.
class HashingSlots {
public:
    explicit HashingSlots(unsigned count) : free_(count) {}
    void acquire() {
        std::unique_lock lock(mutex_);
        freed_.wait(lock, [this] { return free_ > 0; });
        --free_;
    }
    void release() {
        {
            std::lock_guard lock(mutex_);
            ++free_;
        }
        freed_.notify_one();
    }

private:
    std::mutex mutex_;
    std::condition_variable freed_;
    unsigned free_;  // guarded by mutex_
};

HashingSlots& hashing_slots() {
    static HashingSlots slots(std::max(2u, std::thread::hardware_concurrency()));
    return slots;
}

/// crypt_data is ~32 KiB: on the heap, one per call, so hashing is thread-safe without locks.
std::string crypt_with(std::string_view password, const std::string& setting) {
    hashing_slots().acquire();
    struct Release {
        ~Release() { hashing_slots().release(); }
    } release;
    auto data = std::make_unique<crypt_data>();
    std::string pw(password);
    const char* result = crypt_r(pw.c_str(), setting.c_str(), data.get());
    if (!result || result[0] == '*') return {};  // libxcrypt signals failure with "*0"/"*1"
    return result;
}

std::string new_setting() {
    char buffer[CRYPT_GENSALT_OUTPUT_SIZE];
    for (const char* prefix : {"$y$", "$6$"}) {
        if (crypt_gensalt_rn(prefix, 0, nullptr, 0, buffer, sizeof buffer)) return buffer;
    }
    throw StoreError(StoreError::Kind::temporary, "cannot generate a password salt (crypt_gensalt failed)");
}

/// A hash of a random password, used to spend the same time when there is nothing to check.
const std::string& dummy_hash() {
    static const std::string hash = crypt_with("maild-dummy-password", new_setting());
    return hash;
}

}  // namespace

std::string hash_password(std::string_view password) {
    std::string hash = crypt_with(password, new_setting());
    if (hash.empty()) throw StoreError(StoreError::Kind::temporary, "cannot hash password (crypt failed)");
    return hash;
}

bool check_password(std::string_view password, std::string_view hash) {
    bool usable = !hash.empty() && hash[0] == '$';
    std::string setting(usable ? hash : std::string_view(dummy_hash()));
    std::string computed = crypt_with(password, setting);
    if (!usable || computed.empty() || computed.size() != setting.size()) return false;
    return CRYPTO_memcmp(computed.data(), setting.data(), setting.size()) == 0;
}

}  // namespace store
