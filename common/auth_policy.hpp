// When a protocol may take a password: over TLS always; in clear only as allow-plaintext-auth says.
#pragma once

namespace maild {

enum class PlaintextAuth { never, loopback, always };

inline bool password_allowed(PlaintextAuth policy, bool encrypted, bool loopback) {
    if (encrypted) return true;
    return policy == PlaintextAuth::always || (policy == PlaintextAuth::loopback && loopback);
}

}  // namespace maild
