// libFuzzer entry point for maild::fuzz::imap_session (see fuzz_targets.hpp); run with scripts/fuzz imap_session SECONDS.
#include "tests/fuzz/fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    maild::fuzz::imap_session(data, size);
    return 0;
}
