// Sequence sets (RFC 3501 §9 sequence-set): "1,3:5,7:*". Used for message sequence numbers and
// UIDs. Stored as ranges, never expanded, so "1:4294967295" costs nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "imapd/command_reader.hpp"

namespace imap {

class NumberSet {
public:
    /// Reads a sequence set (or "$" is not supported). max_ranges bounds the work a client can
    /// ask for. Zero is not a valid number.
    static std::optional<NumberSet> read(CommandReader& reader, std::size_t max_ranges = 100000);

    /// The ranges with '*' replaced by star (the largest number in use), each low <= high,
    /// sorted and merged.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> resolve(std::uint32_t star) const;
    bool contains(std::uint32_t n, std::uint32_t star) const;

private:
    static constexpr std::uint32_t star_marker = 0;  // '*' (a real number is never 0)
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges_;
};

/// Writes ascending numbers compactly: 1,2,3,5 → "1:3,5" (for COPYUID/APPENDUID).
std::string compact_number_list(const std::vector<std::uint32_t>& numbers);

}  // namespace imap
