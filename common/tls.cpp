#include "common/tls.hpp"

#include <openssl/err.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace maild {

std::string openssl_error_text() {
    unsigned long code = ERR_get_error();
    if (code == 0) return "unknown TLS error";
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    ERR_clear_error();
    return buffer;
}

namespace {

void require_readable(const std::string& what, const std::string& file) {
    std::ifstream in(file);
    if (!in) {
        throw TlsError("cannot read TLS " + what + " " + file + ": " + std::strerror(errno) +
                       " (check --tls-cert/--tls-key and the file's permissions for this user)");
    }
}

int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                unsigned int in_length, void* arg) {
    const auto* ours = static_cast<const std::string*>(arg);
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, out_length, reinterpret_cast<const unsigned char*>(ours->data()),
                              static_cast<unsigned int>(ours->size()), in, in_length) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;  // no common protocol: carry on without ALPN
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace

TlsContext::TlsContext(const std::string& cert_file, const std::string& key_file, std::vector<std::string> alpn) {
    require_readable("certificate", cert_file);
    require_readable("key", key_file);
    ctx_.reset(SSL_CTX_new(TLS_server_method()));
    if (!ctx_) throw TlsError("cannot create a TLS context: " + openssl_error_text());
    SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
    SSL_CTX_set_options(ctx_.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(ctx_.get(), cert_file.c_str()) != 1) {
        throw TlsError("cannot load TLS certificate " + cert_file + ": " + openssl_error_text() +
                       " (it must be a PEM certificate chain, leaf first)");
    }
    if (SSL_CTX_use_PrivateKey_file(ctx_.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        throw TlsError("cannot load TLS key " + key_file + ": " + openssl_error_text() +
                       " (it must be an unencrypted PEM private key)");
    }
    if (SSL_CTX_check_private_key(ctx_.get()) != 1) {
        throw TlsError("TLS key " + key_file + " does not match certificate " + cert_file);
    }
    for (const auto& protocol : alpn) {
        alpn_wire_ += static_cast<char>(protocol.size());
        alpn_wire_ += protocol;
    }
    if (!alpn_wire_.empty()) SSL_CTX_set_alpn_select_cb(ctx_.get(), select_alpn, &alpn_wire_);
}

}  // namespace maild
