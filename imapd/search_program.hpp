// SEARCH criteria (RFC 3501 §6.4.4): parsed into a tree, then matched against each message.
// Cheap keys (flags, sizes, UIDs) never touch the message bytes; header and body keys load them
// on first use through the candidate.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "imapd/command_reader.hpp"
#include "imapd/message_types.hpp"
#include "imapd/number_set.hpp"
#include "store/mail_store.hpp"

namespace imap {

struct SearchKey {
    enum class Kind {
        all,
        all_of,
        any_of,
        negation,
        flag_set,
        flag_unset,
        keyword,
        unkeyword,
        new_,
        old,
        recent,
        sequence_set,
        uid_set,
        larger,
        smaller,
        before,
        on,
        since,
        sent_before,
        sent_on,
        sent_since,
        header,
        body,
        text,
    };
    Kind kind = Kind::all;
    std::uint32_t flag = 0;
    std::string name, value;  ///< header name / keyword; the string searched for
    std::uint64_t number = 0;
    std::int64_t day = 0;  ///< days since the epoch
    std::optional<NumberSet> set;
    std::vector<SearchKey> children;
};

/// Reads "[CHARSET x] key..." up to the end of the command. nullopt with reader.error() set on
/// a syntax error; bad_charset set when the charset is not UTF-8 or US-ASCII.
std::optional<SearchKey> read_search_program(CommandReader& reader, std::size_t max_depth, bool& bad_charset);

/// One message as SEARCH sees it. header() is called only for header keys, raw() only for body
/// and text keys.
struct SearchCandidate {
    std::uint32_t seq = 0;
    std::uint32_t exists = 0;  ///< '*' for sequence sets
    store::Uid max_uid = 0;    ///< '*' for UID sets
    const store::MessageInfo* info = nullptr;
    bool recent = false;
    std::function<const std::string&()> raw;
    /// The message's own header, up to and including the blank line: what header keys read,
    /// without the body behind it.
    std::function<const std::string&()> header;
    /// The parsed structure of raw() (the stored one when there is one).
    std::function<const MimePart&()> structure;
};

bool search_matches(const SearchKey& key, SearchCandidate& candidate);

/// Case-insensitive substring test (ASCII letters folded; other bytes compared as they are).
bool contains_folded(std::string_view haystack, std::string_view needle);
/// The decoded, case-folded text of every text/* part (also inside attached messages), each
/// decoded from its transfer encoding and charset: what BODY and TEXT search in.
std::string searchable_body(std::string_view raw, const MimePart& root);

}  // namespace imap
