#pragma once

#include <cstdint>
#include <string>

namespace bench {

struct FillOptions {
    std::string store;
    std::string address;
    std::string mailbox = "INBOX";
    std::uint64_t count = 0;
    unsigned threads = 8;
};

/// Appends count generated messages to the mailbox; prints the time taken. Returns an exit code.
int fill_mailbox(const FillOptions& options);

}  // namespace bench
