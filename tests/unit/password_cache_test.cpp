// PasswordCache: hits only for the same address and password against the same stored hash,
// within the ttl; failures are never cached; a ttl of 0 disables it.
#include "store/password_cache.hpp"

#include <gtest/gtest.h>

namespace {

using store::PasswordCache;
using namespace std::chrono_literals;

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

}  // namespace
