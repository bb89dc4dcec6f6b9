// The IMAP4rev1 server session (RFC 3501 and the extensions in capabilities()): a sans-I/O state
// machine. The socket core feeds it bytes and writes out its responses.
//
// Commands are framed by CommandFramer (literals included), dispatched through one table that
// says in which states each is allowed, and answered with untagged data, then the pending
// changes other sessions made to the selected mailbox (EXISTS, FETCH FLAGS, EXPUNGE: never
// EXPUNGE during FETCH, STORE or SEARCH, RFC 3501 §7.4.1), then the tagged completion.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "common/input_deadline.hpp"
#include "common/session.hpp"
#include "imapd/command_framer.hpp"
#include "imapd/command_reader.hpp"
#include "imapd/imap_config.hpp"
#include "imapd/mailbox_view.hpp"
#include "imapd/mailbox_watcher.hpp"
#include "imapd/message_types.hpp"
#include "imapd/number_set.hpp"
#include "store/authenticator.hpp"
#include "store/mail_store.hpp"

namespace imap {

class ImapSession : public maild::Session {
public:
    /// watcher may be null (then IDLE only sees changes made through this process's sessions
    /// at the next command).
    /// throttle may be null (no login delays).
    ImapSession(const ImapConfig& config, store::MailStore& store, MailboxWatcher* watcher,
                maild::ConnectionInfo connection, maild::LoginThrottle* throttle = nullptr);
    ~ImapSession() override;

    void start() override;
    void feed(std::string_view bytes) override;
    std::string take_output() override;
    bool wants_close() const override { return closing_; }
    /// The autologout timer; a half-sent command must be finished within it (not per byte).
    std::chrono::milliseconds read_timeout() const override { return deadline_.remaining(config_.autologout); }
    void on_timeout() override;
    void on_shutdown() override;
    void on_wake() override;
    bool take_starttls_request() override { return std::exchange(starttls_requested_, false); }
    void on_tls_started() override { tls_ = true; }

private:
    enum class State { not_authenticated, authenticated, selected, logout };
    static constexpr unsigned in_not_authenticated = 1, in_authenticated = 2, in_selected = 4;

    /// What the tagged completion of a command says.
    struct Completion {
        enum class Status { ok, no, bad } status = Status::ok;
        std::string text;
    };
    struct Command {
        std::string tag;
        std::string name;
        CommandReader& args;
        bool uid = false;  ///< the UID prefix was given
    };
    using Handler = Completion (ImapSession::*)(Command&);
    struct CommandSpec {
        const char* name;
        Handler handler;
        unsigned allowed_in;
        bool uid_form = false;        ///< may follow "UID"
        bool defers_expunge = false;  ///< EXPUNGE responses wait (FETCH, STORE, SEARCH)
    };
    static const CommandSpec command_table[];

    // --- the engine (imap_session.cpp) ---------------------------------------------------------
    void handle_framed(const CommandFramer::Result& framed);
    void run_command(const std::string& text);
    void continue_authenticate(const std::string& line);
    void continue_idle(const std::string& line);
    void complete(const std::string& tag, const Completion& completion);
    /// Queues text for the client. A response past streamed_output_bytes goes to the client at
    /// once (ConnectionInfo::write_now) instead of growing in memory: a UID FETCH 1:* of a
    /// million messages is 40 MB, and copying it while it grows cost more than building it.
    void send(std::string_view text) {
        output_ += text;
        if (output_.size() >= streamed_output_bytes && connection_.write_now) write_output_now();
    }
    void write_output_now();
    /// Appends the untagged updates for the selected mailbox (a fresh look at the store).
    /// After this session's own change, applied to its view: if nothing else had changed the
    /// mailbox since the view was last synced, the view is now in sync with the change's modseq,
    /// and the next report need not list the mailbox again.
    void own_change_applied(const store::ModseqStep& step);
    void report_changes(bool allow_expunge);
    void deselect();
    std::string capabilities() const;
    static Completion ok(std::string text) { return {Completion::Status::ok, std::move(text)}; }
    static Completion no(std::string text) { return {Completion::Status::no, std::move(text)}; }
    static Completion bad(std::string text) { return {Completion::Status::bad, std::move(text)}; }
    /// BAD with the reader's error, for argument syntax problems.
    static Completion syntax_error(const CommandReader& reader);
    /// Reads a sequence set (UIDs with uid) and returns the sequence numbers it names in the
    /// view, ascending. nullopt with error set when the set is malformed or out of range.
    std::optional<std::vector<std::uint32_t>> read_message_set(CommandReader& reader, bool uid, Completion& error);
    /// A store failure as NO with the right response code, logged.
    Completion store_failure(const std::exception& e, std::string_view doing);

    // --- any state (cmd_any.cpp) ---------------------------------------------------------------
    Completion cmd_capability(Command& c);
    Completion cmd_noop(Command& c);
    Completion cmd_logout(Command& c);
    Completion cmd_id(Command& c);
    Completion cmd_enable(Command& c);
    Completion cmd_namespace(Command& c);
    Completion cmd_idle(Command& c);

    // --- login (cmd_login.cpp) -----------------------------------------------------------------
    Completion cmd_login(Command& c);
    Completion cmd_starttls(Command& c);
    /// Passwords may be taken now (TLS, or the plaintext-auth policy allows it).
    bool password_allowed() const;
    Completion cmd_authenticate(Command& c);
    Completion finish_login(const std::string& login, const std::string& password);

    // --- mailboxes (cmd_mailbox.cpp) -----------------------------------------------------------
    Completion cmd_select(Command& c);
    Completion cmd_create(Command& c);
    Completion cmd_delete(Command& c);
    Completion cmd_rename(Command& c);
    Completion cmd_subscribe(Command& c);
    Completion cmd_list(Command& c);
    Completion cmd_status(Command& c);
    Completion cmd_append(Command& c);

    // --- the selected mailbox (cmd_selected.cpp, cmd_fetch.cpp, cmd_search.cpp) ----------------
    Completion cmd_check(Command& c);
    Completion cmd_close(Command& c);
    Completion cmd_expunge(Command& c);
    Completion cmd_store(Command& c);
    Completion cmd_copy(Command& c);
    Completion cmd_fetch(Command& c);
    /// The message's parsed structure: the stored one, or parsed now (and then stored).
    MimePart load_structure(const store::MailStore::Snapshot& snapshot, store::MessageId message,
                            const std::string& raw);
    Completion cmd_search(Command& c);

    const ImapConfig& config_;
    store::MailStore& store_;
    MailboxWatcher* watcher_;
    maild::ConnectionInfo connection_;

    CommandFramer framer_;
    maild::InputDeadline deadline_;
    static constexpr std::size_t streamed_output_bytes = 64 * 1024;
    /// The read snapshot of the FETCH under way, if any: released before output goes out early.
    std::optional<store::MailStore::Snapshot>* open_snapshot_ = nullptr;
    /// write_now failed: the client is gone or too slow, so a long command stops early.
    bool output_lost_ = false;
    std::string output_;
    State state_ = State::not_authenticated;
    bool closing_ = false;
    std::size_t bad_in_a_row_ = 0;
    std::optional<store::UserInfo> user_;
    std::unique_ptr<MailboxView> view_;
    /// A command waiting for more client lines: AUTHENTICATE (SASL response) or IDLE (DONE).
    enum class Waiting { none, sasl, idle } waiting_ = Waiting::none;
    std::string waiting_tag_;
    store::Authenticator authenticator_;
    bool tls_ = false;
    bool starttls_requested_ = false;
    std::size_t auth_failures_ = 0;
};

class ImapSessionFactory : public maild::SessionFactory {
public:
    ImapSessionFactory(ImapConfig config, store::MailStore& store, MailboxWatcher* watcher,
                       maild::LoginThrottle* throttle = nullptr)
        : config_(std::move(config)), store_(store), watcher_(watcher), throttle_(throttle) {}
    std::unique_ptr<maild::Session> create(const maild::ConnectionInfo& info) override;
    std::string busy_reply() const override;

private:
    ImapConfig config_;
    store::MailStore& store_;
    MailboxWatcher* watcher_;
    maild::LoginThrottle* throttle_;
};

}  // namespace imap
