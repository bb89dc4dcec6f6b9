#include "imapd/number_set.hpp"

#include <algorithm>

namespace imap {

std::optional<NumberSet> NumberSet::read(CommandReader& reader, std::size_t max_ranges) {
    NumberSet set;
    auto one = [&reader]() -> std::optional<std::uint32_t> {
        if (reader.consume('*')) return star_marker;
        auto n = reader.number();
        if (!n) return std::nullopt;
        if (*n == 0) {
            reader.fail("Invalid sequence number 0");
            return std::nullopt;
        }
        return n;
    };
    do {
        if (set.ranges_.size() >= max_ranges) {
            reader.fail("Too many ranges in sequence set");
            return std::nullopt;
        }
        auto low = one();
        if (!low) return std::nullopt;
        auto high = low;
        if (reader.consume(':')) {
            high = one();
            if (!high) return std::nullopt;
        }
        set.ranges_.emplace_back(*low, *high);
    } while (reader.consume(','));
    return set;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> NumberSet::resolve(std::uint32_t star) const {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    out.reserve(ranges_.size());
    for (auto [low, high] : ranges_) {
        if (low == star_marker) low = star;
        if (high == star_marker) high = star;
        if (low > high) std::swap(low, high);
        out.emplace_back(low, high);
    }
    std::sort(out.begin(), out.end());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> merged;
    for (const auto& r : out) {
        if (!merged.empty() && r.first <= merged.back().second + std::uint64_t{1}) {
            merged.back().second = std::max(merged.back().second, r.second);
        } else {
            merged.push_back(r);
        }
    }
    return merged;
}

bool NumberSet::contains(std::uint32_t n, std::uint32_t star) const {
    for (auto [low, high] : ranges_) {
        if (low == star_marker) low = star;
        if (high == star_marker) high = star;
        if (low > high) std::swap(low, high);
        if (n >= low && n <= high) return true;
    }
    return false;
}

std::string compact_number_list(const std::vector<std::uint32_t>& numbers) {
    std::string out;
    for (std::size_t i = 0; i < numbers.size();) {
        std::size_t j = i;
        while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(numbers[i]);
        if (j > i) out += ":" + std::to_string(numbers[j]);
        i = j + 1;
    }
    return out;
}

}  // namespace imap
