// Password hashing with crypt(3) from libxcrypt: salted yescrypt ("$y$"), the Debian default,
// falling back to SHA-512 crypt ("$6$") if yescrypt is unavailable. Clear text is never stored.
#pragma once

#include <string>
#include <string_view>

namespace store {

/// A fresh salted hash of password. Throws StoreError(temporary) if the system cannot hash.
std::string hash_password(std::string_view password);

/// True when password matches hash (a crypt(3) string). Compared in constant time. An empty or
/// malformed hash never matches, but costs about as long as a real check.
bool check_password(std::string_view password, std::string_view hash);

}  // namespace store
