// The RFC 5321 server session: a sans-I/O state machine. The socket core feeds it bytes and
// writes out its replies; it never touches a socket, so every reply is unit-tested with strings.
//
// Commands are read as lines (bare LF tolerated, CRLF expected), pipelined commands are answered
// in order, and after 354 the bytes go to a DataReceiver until CRLF.CRLF. A message is handed to
// the MailDrop with trace headers prepended, and 250 is queued only once the drop reports it
// durably stored for every recipient.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/input_deadline.hpp"
#include "common/line_buffer.hpp"
#include "common/session.hpp"
#include "smtpd/data_receiver.hpp"
#include "smtpd/login_checker.hpp"
#include "smtpd/mail_drop.hpp"
#include "smtpd/session_env.hpp"
#include "smtpd/smtp_command.hpp"
#include "smtpd/smtp_config.hpp"
#include "smtpd/smtp_reply.hpp"

namespace smtp {

class SmtpSession : public maild::Session {
public:
    /// logins may be null: then AUTH is never offered.
    SmtpSession(const SmtpConfig& config, MailDrop& drop, maild::ConnectionInfo connection, SessionEnv env,
                LoginChecker* logins = nullptr);

    void start() override;
    void feed(std::string_view bytes) override;
    std::string take_output() override;
    bool wants_close() const override { return closing_; }
    /// The command timeout; a half-sent command line must be finished within it (not per byte).
    std::chrono::milliseconds read_timeout() const override { return deadline_.remaining(config_.command_timeout); }
    void on_timeout() override;
    void on_shutdown() override;
    void on_disconnect() override;
    bool take_starttls_request() override { return std::exchange(starttls_requested_, false); }
    void on_tls_started() override;

private:
    /// One mail transaction: MAIL FROM to the end of DATA (or RSET).
    struct Transaction {
        std::string sender;  ///< empty for the null reverse-path <>
        bool smtputf8 = false;
        std::vector<std::string> recipients;  ///< as the client wrote them, for the log
        std::vector<std::string> mailboxes;   ///< the local accounts they resolve to
    };
    enum class Greeting { none, helo, ehlo };
    using Handler = void (SmtpSession::*)(const std::string& argument);
    struct CommandEntry {
        const char* verb;
        Handler handler;
    };
    static const CommandEntry command_table[];

    void process_lines();
    void handle_line(const maild::LineBuffer::Result& line);
    void dispatch(const CommandLine& command);

    void on_helo(const std::string& argument);
    void on_ehlo(const std::string& argument);
    void on_mail(const std::string& argument);
    void on_rcpt(const std::string& argument);
    void on_data(const std::string& argument);
    void on_rset(const std::string& argument);
    void on_noop(const std::string& argument);
    void on_vrfy(const std::string& argument);
    void on_expn(const std::string& argument);
    void on_help(const std::string& argument);
    void on_quit(const std::string& argument);
    void on_not_implemented(const std::string& argument);
    void on_auth(const std::string& argument);
    void on_starttls(const std::string& argument);
    void continue_auth(const std::string& line);
    void finish_auth(const std::string& login, const std::string& password);
    bool auth_offered() const;
    void on_forbidden(const std::string& argument);

    void finish_data();
    void deliver(const std::string& queue_id, std::string& message);
    void send(const Reply& reply);
    void close_with(const Reply& reply);
    std::string peer() const;

    const SmtpConfig& config_;
    MailDrop& drop_;
    maild::ConnectionInfo connection_;
    SessionEnv env_;

    maild::LineBuffer lines_;
    std::string output_;
    std::string current_verb_;
    bool closing_ = false;
    std::size_t errors_ = 0;
    Greeting greeting_ = Greeting::none;
    std::string helo_name_;
    std::optional<Transaction> transaction_;
    std::optional<DataReceiver> data_;

    LoginChecker* logins_;
    maild::InputDeadline deadline_;
    bool tls_ = false;
    bool starttls_requested_ = false;
    /// The account that authenticated (AUTH), empty if none.
    std::string authenticated_;
    std::size_t auth_failures_ = 0;
    /// AUTH waiting for the client's next line: which mechanism and step.
    enum class AuthStep { none, plain_response, login_user, login_password } auth_step_ = AuthStep::none;
    std::string auth_login_;
};

class SmtpSessionFactory : public maild::SessionFactory {
public:
    SmtpSessionFactory(SmtpConfig config, MailDrop& drop, LoginChecker* logins = nullptr)
        : config_(std::move(config)), drop_(drop), logins_(logins) {}
    std::unique_ptr<maild::Session> create(const maild::ConnectionInfo& info) override;
    std::string busy_reply() const override;

private:
    SmtpConfig config_;
    MailDrop& drop_;
    LoginChecker* logins_;
};

}  // namespace smtp
