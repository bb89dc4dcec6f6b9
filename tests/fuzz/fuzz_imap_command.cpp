// libFuzzer entry point for maild::fuzz::imap_command (see fuzz_targets.hpp); run with scripts/fuzz imap_command SECONDS.
#include "tests/fuzz/fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    maild::fuzz::imap_command(data, size);
    return 0;
}
