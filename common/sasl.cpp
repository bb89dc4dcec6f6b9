#include "common/sasl.hpp"

namespace maild {

std::optional<std::string> decode_base64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        int v[4];
        int padding = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text[i + k];
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                v[k] = 0;
                ++padding;
            } else {
                if (padding > 0) return std::nullopt;  // data after '='
                v[k] = value(c);
                if (v[k] < 0) return std::nullopt;
            }
        }
        unsigned triple = (unsigned(v[0]) << 18) | (unsigned(v[1]) << 12) | (unsigned(v[2]) << 6) | unsigned(v[3]);
        out += static_cast<char>((triple >> 16) & 0xff);
        if (padding < 2) out += static_cast<char>((triple >> 8) & 0xff);
        if (padding < 1) out += static_cast<char>(triple & 0xff);
    }
    return out;
}

std::string encode_base64(std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? alphabet[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? alphabet[n & 63] : '=';
    }
    return out;
}

std::optional<PlainCredentials> decode_sasl_plain(std::string_view base64) {
    auto decoded = decode_base64(base64);
    if (!decoded) return std::nullopt;
    auto first = decoded->find('\0');
    if (first == std::string::npos) return std::nullopt;
    auto second = decoded->find('\0', first + 1);
    if (second == std::string::npos || decoded->find('\0', second + 1) != std::string::npos) return std::nullopt;
    PlainCredentials credentials{decoded->substr(0, first), decoded->substr(first + 1, second - first - 1),
                                 decoded->substr(second + 1)};
    if (credentials.authcid.empty()) return std::nullopt;
    if (!credentials.authzid.empty() && credentials.authzid != credentials.authcid) return std::nullopt;
    return credentials;
}

}  // namespace maild
