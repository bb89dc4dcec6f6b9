// Huge-page advice for big buffers: it lands on the buffer's own pages, and only for big ones.
#include "common/memory.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

/// The VmFlags of the mapping that holds address, from /proc/self/smaps ("" if none is found).
std::string vm_flags_at(const void* address) {
    const auto target = reinterpret_cast<std::uintptr_t>(address);
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        std::uintptr_t begin = 0, end = 0;
        char dash = 0;
        std::istringstream fields(line);
        if (fields >> std::hex >> begin >> dash >> end && dash == '-') {
            inside = begin <= target && target < end;
        } else if (inside && line.rfind("VmFlags:", 0) == 0) {
            return line.substr(8) + " ";
        }
    }
    return "";
}

bool huge_pages_supported() { return std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled"); }

TEST(HugePages, ABigBufferIsAdvisedToUseThem) {
    if (!huge_pages_supported()) GTEST_SKIP() << "this kernel has no transparent huge pages";
    std::vector<std::uint64_t> big;
    maild::reserve_preferring_huge_pages(big, 2 * maild::huge_page_worthy_bytes / sizeof(std::uint64_t));
    ASSERT_GE(big.capacity() * sizeof(std::uint64_t), 2 * maild::huge_page_worthy_bytes);
    const auto* middle = big.data() + big.capacity() / 2;
    EXPECT_NE(vm_flags_at(middle).find(" hg "), std::string::npos) << vm_flags_at(middle);
    big.assign(big.capacity(), 7);  // and the buffer is an ordinary one
    EXPECT_EQ(big[big.size() / 2], 7u);
}

TEST(HugePages, ASmallBufferIsLeftAlone) {
    std::vector<std::uint64_t> small;
    maild::reserve_preferring_huge_pages(small, 64 * 1024 / sizeof(std::uint64_t));
    EXPECT_EQ(vm_flags_at(small.data() + small.capacity() / 2).find(" hg "), std::string::npos);
    std::vector<std::uint64_t> none;
    maild::reserve_preferring_huge_pages(none, 0);  // no buffer at all: nothing to advise
    EXPECT_EQ(none.data(), nullptr);
}

}  // namespace
