// libFuzzer entry point for maild::fuzz::mime_message (see fuzz_targets.hpp); run with scripts/fuzz mime_message SECONDS.
#include "tests/fuzz/fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    maild::fuzz::mime_message(data, size);
    return 0;
}
