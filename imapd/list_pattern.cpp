#include "imapd/list_pattern.hpp"

#include <vector>

namespace imap {

std::string combine_list_pattern(std::string_view reference, std::string_view mailbox) {
    if (reference.empty()) return std::string(mailbox);
    if (!mailbox.empty() && mailbox.front() == '/') return std::string(mailbox);
    std::string pattern(reference);
    if (pattern.back() != '/' && !mailbox.empty()) pattern += '/';
    pattern += mailbox;
    return pattern;
}

bool list_pattern_matches(std::string_view pattern, std::string_view name) {
    // INBOX is case-insensitive: compare against the pattern with an upper-cased leading "INBOX".
    std::string folded_name(name);
    std::string folded_pattern(pattern);
    auto fold_inbox = [](std::string& s) {
        if (s.size() >= 5) {
            std::string head = s.substr(0, 5);
            for (char& c : head)
                if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
            if (head == "INBOX" && (s.size() == 5 || s[5] == '/' || s[5] == '*' || s[5] == '%')) {
                s.replace(0, 5, "INBOX");
            }
        }
    };
    fold_inbox(folded_name);
    fold_inbox(folded_pattern);
    // Dynamic programming over (pattern position, name position): no exponential backtracking.
    const std::size_t n = folded_name.size();
    std::vector<char> current(n + 1, 0), next(n + 1, 0);
    current[0] = 1;
    for (char p : folded_pattern) {
        std::fill(next.begin(), next.end(), 0);
        if (p == '*' || p == '%') {
            // '*' consumes any run of characters; '%' any run without the delimiter.
            bool reachable = false;
            for (std::size_t j = 0; j <= n; ++j) {
                if (p == '%' && j > 0 && folded_name[j - 1] == '/') reachable = false;
                if (current[j]) reachable = true;
                if (reachable) next[j] = 1;
            }
        } else {
            for (std::size_t j = 0; j < n; ++j)
                if (current[j] && folded_name[j] == p) next[j + 1] = 1;
        }
        std::swap(current, next);
    }
    return current[n] != 0;
}

}  // namespace imap
