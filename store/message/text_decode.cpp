#include "store/message/text_decode.hpp"

#include <cstdint>

#include "store/message/mime_tree.hpp"

namespace message {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

std::string decode_base64_lenient(std::string_view text) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else if (c == '=')
            break;
        else
            continue;  // line breaks and junk are skipped
        buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    return out;
}

std::string decode_quoted_printable(std::string_view text, bool underscore_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '_' && underscore_is_space) {
            out += ' ';
        } else if (c == '=') {
            if (i + 1 < text.size() && (text[i + 1] == '\r' || text[i + 1] == '\n')) {  // soft line break
                ++i;
                if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
                continue;
            }
            int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
            int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
            if (high >= 0 && low >= 0) {
                out += static_cast<char>(high * 16 + low);
                i += 2;
            } else {
                out += c;
            }
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::string to_utf8(std::string_view bytes, std::string_view charset) {
    bool latin1 = iequals_ascii(charset, "iso-8859-1") || iequals_ascii(charset, "latin1") ||
                  iequals_ascii(charset, "iso-8859-15") || iequals_ascii(charset, "windows-1252") ||
                  iequals_ascii(charset, "cp1252");
    if (!latin1) return std::string(bytes);
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 4);
    for (char ch : bytes) append_utf8(out, static_cast<unsigned char>(ch));
    return out;
}

std::string decode_transfer_encoding(std::string_view body, std::string_view encoding) {
    if (iequals_ascii(encoding, "base64")) return decode_base64_lenient(body);
    if (iequals_ascii(encoding, "quoted-printable")) return decode_quoted_printable(body, false);
    return std::string(body);
}

std::string decode_encoded_words(std::string_view text) {
    std::string out;
    std::size_t pos = 0;
    bool previous_was_word = false;
    while (pos < text.size()) {
        std::size_t start = text.find("=?", pos);
        if (start == std::string_view::npos) break;
        // =?charset?E?text?=
        std::size_t q1 = text.find('?', start + 2);
        std::size_t q2 = q1 == std::string_view::npos ? q1 : text.find('?', q1 + 1);
        std::size_t end = q2 == std::string_view::npos ? q2 : text.find("?=", q2 + 1);
        if (end == std::string_view::npos || q2 != q1 + 2) {
            out.append(text.substr(pos, start + 2 - pos));
            pos = start + 2;
            previous_was_word = false;
            continue;
        }
        std::string_view between = text.substr(pos, start - pos);
        bool only_space = between.find_first_not_of(" \t\r\n") == std::string_view::npos;
        if (!(previous_was_word && only_space)) out.append(between);  // blanks between words vanish
        std::string_view charset = text.substr(start + 2, q1 - start - 2);
        if (auto star = charset.find('*'); star != std::string_view::npos)
            charset = charset.substr(0, star);  // RFC 2231 lang
        char encoding = static_cast<char>(text[q1 + 1] | 0x20);
        std::string_view payload = text.substr(q2 + 1, end - q2 - 1);
        std::string decoded;
        if (encoding == 'b') {
            decoded = decode_base64_lenient(payload);
        } else if (encoding == 'q') {
            decoded = decode_quoted_printable(payload, true);
        } else {
            out.append(text.substr(start, end + 2 - start));
            pos = end + 2;
            previous_was_word = false;
            continue;
        }
        out += to_utf8(decoded, charset);
        pos = end + 2;
        previous_was_word = true;
    }
    out.append(text.substr(std::min(pos, text.size())));
    return out;
}

std::string fold_case(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    for (std::size_t i = 0; i < utf8.size();) {
        auto c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x80) {
            out += static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
            ++i;
            continue;
        }
        if ((c & 0xe0) == 0xc0 && i + 1 < utf8.size()) {
            std::uint32_t cp = ((c & 0x1fu) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3fu);
            if ((cp >= 0xc0 && cp <= 0xde && cp != 0xd7) || (cp >= 0x391 && cp <= 0x3ab) ||
                (cp >= 0x410 && cp <= 0x42f)) {
                cp += 0x20;
            } else if (cp >= 0x400 && cp <= 0x40f) {
                cp += 0x50;
            }
            append_utf8(out, cp);
            i += 2;
            continue;
        }
        out += static_cast<char>(c);
        ++i;
    }
    return out;
}

}  // namespace message
