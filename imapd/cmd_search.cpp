// SEARCH and UID SEARCH (RFC 3501 §6.4.4): sequence numbers or UIDs of the matching messages.
#include "common/log.hpp"
#include "imapd/imap_session.hpp"
#include "imapd/search_program.hpp"

namespace imap {
namespace {

/// A message's own header (up to and including the blank line), read without its body: 4 KiB
/// first, which holds most headers, then more until the blank line or the end.
std::string read_header(const store::MailStore::Snapshot& snapshot, store::MessageId message) {
    for (std::size_t want = 4096;; want *= 4) {
        std::size_t total = 0;
        std::string prefix = snapshot.read_raw_prefix(message, want, total);
        const std::size_t body = message::find_body(prefix, 0, prefix.size());
        if (body < prefix.size() || prefix.size() == total) {  // else the blank line may lie beyond
            prefix.resize(body);
            return prefix;
        }
    }
}

}  // namespace

ImapSession::Completion ImapSession::cmd_search(Command& c) {
    if (!c.args.space()) return syntax_error(c.args);
    bool bad_charset = false;
    auto program = read_search_program(c.args, config_.max_nesting_depth, bad_charset);
    if (bad_charset) return no("[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
    if (!program) return syntax_error(c.args);

    std::string result = "* SEARCH";
    // One read transaction for every message read (taken only when a key needs the text).
    std::optional<store::MailStore::Snapshot> snapshot;
    auto reads = [&]() -> const store::MailStore::Snapshot& {
        if (!snapshot) snapshot.emplace(store_.snapshot());
        return *snapshot;
    };
    for (std::uint32_t seq = 1; seq <= view_->exists(); ++seq) {
        const store::MessageInfo& info = view_->at(seq);
        std::optional<std::string> raw;
        SearchCandidate candidate;
        candidate.seq = seq;
        candidate.exists = view_->exists();
        candidate.max_uid = view_->max_uid();
        candidate.info = &info;
        candidate.recent = view_->is_recent(info.uid);
        candidate.raw = [&]() -> const std::string& {
            if (!raw) {
                try {
                    raw = reads().read_raw(info.message_id);
                } catch (const store::StoreError& e) {
                    if (e.kind() != store::StoreError::Kind::not_found) throw;
                    raw.emplace();  // expunged meanwhile: matches no text
                }
            }
            return *raw;
        };
        std::optional<std::string> header;
        candidate.header = [&]() -> const std::string& {
            if (!header) {
                if (raw) {
                    header = raw->substr(0, message::find_body(*raw, 0, raw->size()));
                } else {
                    try {
                        header = read_header(reads(), info.message_id);
                    } catch (const store::StoreError& e) {
                        if (e.kind() != store::StoreError::Kind::not_found) throw;
                        header.emplace();  // expunged meanwhile: matches no text
                    }
                }
            }
            return *header;
        };
        std::optional<MimePart> tree;
        candidate.structure = [&]() -> const MimePart& {
            if (!tree)
                tree = candidate.raw().empty() ? parse_message("")
                                               : load_structure(reads(), info.message_id, candidate.raw());
            return *tree;
        };
        if (search_matches(*program, candidate)) result += " " + std::to_string(c.uid ? info.uid : seq);
    }
    send(result + "\r\n");
    return ok(c.uid ? "UID SEARCH completed" : "SEARCH completed");
}

}  // namespace imap
