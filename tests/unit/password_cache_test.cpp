// PasswordCache: hits only for the same address and password against the same stored hash,
// within the ttl; failures are never cached; a ttl of 0 disables it; concurrent logins with the
// same address and password share one slow check, and nothing else waits for it.
#include "store/password_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using store::PasswordCache;
using namespace std::chrono_literals;

/// Waits until n logins wait for a check under way; gives up after 10 s (a broken cache that
/// never makes anyone wait must fail the test, not hang it).
void wait_for_waiters(const PasswordCache& cache, std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (cache.waiting() < n && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
}

TEST(PasswordCache, RemembersOnlyTheVerifiedPasswordForTheSameStoredHash) {
    PasswordCache cache(60s, 100);
    auto now = PasswordCache::Clock::now();
    EXPECT_FALSE(cache.verified("alice@example.test", "secret", "$y$hash1", now));
    cache.remember("alice@example.test", "secret", "$y$hash1", now);
    EXPECT_TRUE(cache.verified("alice@example.test", "secret", "$y$hash1", now));
    EXPECT_TRUE(cache.verified("ALICE@example.test", "secret", "$y$hash1", now));  // addresses are caseless
    EXPECT_FALSE(cache.verified("alice@example.test", "Secret", "$y$hash1", now));
    EXPECT_FALSE(cache.verified("alice@example.test", "secret", "$y$hash2", now));  // password changed
    EXPECT_FALSE(cache.verified("bob@example.test", "secret", "$y$hash1", now));
    EXPECT_FALSE(cache.verified("alice@example.test", "secret", "$y$hash1", now + 61s));  // expired
}

TEST(PasswordCache, ZeroTtlDisablesIt) {
    PasswordCache cache(0s, 100);
    cache.remember("alice@example.test", "secret", "$y$hash1");
    EXPECT_FALSE(cache.verified("alice@example.test", "secret", "$y$hash1"));
}

TEST(PasswordCache, StaysBounded) {
    PasswordCache cache(60s, 10);
    for (int i = 0; i < 25; ++i) cache.remember("user" + std::to_string(i) + "@x.test", "pw", "$y$h");
    EXPECT_TRUE(cache.verified("user24@x.test", "pw", "$y$h"));  // the newest is kept
}

TEST(PasswordCache, ConcurrentLoginsWithTheSamePasswordShareOneHash) {
    PasswordCache cache(60s, 100);
    constexpr int logins = 8;
    std::atomic<int> hashes{0};
    auto slow_check = [&] {
        ++hashes;
        wait_for_waiters(cache, logins - 1);  // every other login waits
        return true;
    };
    std::vector<std::thread> threads;
    std::atomic<int> accepted{0};
    for (int i = 0; i < logins; ++i)
        threads.emplace_back([&] { accepted += cache.check("alice@example.test", "secret", "$y$h", slow_check); });
    for (auto& t : threads) t.join();
    EXPECT_EQ(accepted.load(), logins);
    EXPECT_EQ(hashes.load(), 1);
}

TEST(PasswordCache, AWrongPasswordCostsEveryLoginItsOwnHash) {
    PasswordCache cache(60s, 100);
    constexpr int logins = 4;
    std::atomic<int> hashes{0};
    auto slow_check = [&] {
        if (hashes++ == 0) {
            wait_for_waiters(cache, logins - 1);
        }
        return false;
    };
    std::vector<std::thread> threads;
    std::atomic<int> accepted{0};
    for (int i = 0; i < logins; ++i)
        threads.emplace_back([&] { accepted += cache.check("alice@example.test", "guess", "$y$h", slow_check); });
    for (auto& t : threads) t.join();
    EXPECT_EQ(accepted.load(), 0);
    EXPECT_EQ(hashes.load(), logins);
}

TEST(PasswordCache, OtherPasswordsAndUsersDoNotWaitForACheck) {
    PasswordCache cache(60s, 100);
    std::latch holding(1), release(1);
    std::thread slow([&] {
        cache.check("alice@example.test", "secret", "$y$h", [&] {
            holding.count_down();
            release.wait();
            return true;
        });
    });
    holding.wait();
    // While alice's check is held, another password for alice and bob's login go through.
    EXPECT_FALSE(cache.check("alice@example.test", "other", "$y$h", [] { return false; }));
    EXPECT_TRUE(cache.check("bob@example.test", "secret", "$y$h", [] { return true; }));
    release.count_down();
    slow.join();
    EXPECT_TRUE(cache.verified("alice@example.test", "secret", "$y$h"));
}

TEST(PasswordCache, AFailingCheckLetsTheWaitingLoginsCheckForThemselves) {
    PasswordCache cache(60s, 100);
    std::atomic<int> calls{0};
    std::thread first([&] {
        EXPECT_THROW(cache.check("alice@example.test", "secret", "$y$h",
                                 [&]() -> bool {
                                     ++calls;
                                     wait_for_waiters(cache, 1);
                                     throw std::runtime_error("store unavailable");
                                 }),
                     std::runtime_error);
    });
    while (calls.load() == 0) std::this_thread::yield();
    EXPECT_TRUE(cache.check("alice@example.test", "secret", "$y$h", [&] {
        ++calls;
        return true;
    }));
    first.join();
    EXPECT_EQ(calls.load(), 2);
}

}  // namespace
