// libFuzzer entry point for maild::fuzz::smtp_session (see fuzz_targets.hpp); run with scripts/fuzz smtp_session SECONDS.
#include "tests/fuzz/fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    maild::fuzz::smtp_session(data, size);
    return 0;
}
