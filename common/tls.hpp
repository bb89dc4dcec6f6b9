// TLS for the socket core (OpenSSL 3): the server context with the certificate and key, loaded
// once at start so a missing or unreadable file stops the daemon with a clear message instead of
// failing the first client. TLS 1.2 at least, the system's default cipher policy, and ALPN when
// the protocol defines identifiers for it.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace maild {

class TlsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class TlsContext {
public:
    /// cert_file: PEM chain (leaf first); key_file: PEM private key. alpn: protocol ids this
    /// server speaks (e.g. {"imap"}); a client offering others gets no ALPN match, not an error.
    /// Throws TlsError naming the file and the reason.
    TlsContext(const std::string& cert_file, const std::string& key_file, std::vector<std::string> alpn = {});
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;
    SSL_CTX* get() const { return ctx_.get(); }

private:
    struct Free {
        void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
    };
    std::unique_ptr<SSL_CTX, Free> ctx_;
    std::string alpn_wire_;  ///< length-prefixed list, as ALPN wants it
};

/// The last OpenSSL error as text ("error:0A000086:SSL routines::certificate verify failed").
std::string openssl_error_text();

}  // namespace maild
