#include "smtpd/smtp_session.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <utility>

#include "common/log.hpp"
#include "common/sasl.hpp"
#include "smtpd/smtp_address.hpp"
#include "smtpd/trace_headers.hpp"

namespace smtp {

namespace {

bool is_postmaster(std::string_view local) { return iequals(local, "postmaster"); }

std::string bracket(std::string_view address) { return "<" + std::string(address) + ">"; }

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

}  // namespace

const SmtpSession::CommandEntry SmtpSession::command_table[] = {
    {"EHLO", &SmtpSession::on_ehlo},
    {"HELO", &SmtpSession::on_helo},
    {"MAIL", &SmtpSession::on_mail},
    {"RCPT", &SmtpSession::on_rcpt},
    {"DATA", &SmtpSession::on_data},
    {"RSET", &SmtpSession::on_rset},
    {"NOOP", &SmtpSession::on_noop},
    {"VRFY", &SmtpSession::on_vrfy},
    {"EXPN", &SmtpSession::on_expn},
    {"HELP", &SmtpSession::on_help},
    {"QUIT", &SmtpSession::on_quit},
    {"STARTTLS", &SmtpSession::on_starttls},
    {"BDAT", &SmtpSession::on_not_implemented},
    {"ETRN", &SmtpSession::on_not_implemented},
    {"TURN", &SmtpSession::on_not_implemented},
    {"AUTH", &SmtpSession::on_auth},
    // A web browser or proxy tricked into talking to port 25 (cross-protocol attacks): hang up.
    {"GET", &SmtpSession::on_forbidden},
    {"POST", &SmtpSession::on_forbidden},
    {"HEAD", &SmtpSession::on_forbidden},
    {"PUT", &SmtpSession::on_forbidden},
    {"CONNECT", &SmtpSession::on_forbidden},
};

SmtpSession::SmtpSession(const SmtpConfig& config, MailDrop& drop, maild::ConnectionInfo connection, SessionEnv env,
                         LoginChecker* logins)
    : config_(config),
      drop_(drop),
      connection_(std::move(connection)),
      env_(std::move(env)),
      lines_(config.max_line_bytes),
      logins_(logins),
      tls_(connection_.tls) {}

void SmtpSession::start() { send(reply(220, "", config_.hostname + " ESMTP maild")); }

std::string SmtpSession::take_output() { return std::exchange(output_, std::string()); }

void SmtpSession::feed(std::string_view bytes) {
    std::string leftover;  // command bytes that arrived with the DATA command, or after the data
    while (!bytes.empty() && !closing_ && !starttls_requested_) {
        if (data_) {
            bytes.remove_prefix(data_->feed(bytes));
            if (data_->complete()) finish_data();
            continue;
        }
        lines_.append(bytes);
        bytes = {};
        process_lines();
        if (data_ && !closing_) {
            leftover = lines_.take_rest();
            bytes = leftover;
        }
    }
    deadline_.update(!data_ && lines_.buffered() > 0);
}

void SmtpSession::process_lines() {
    while (!closing_ && !data_ && !starttls_requested_) {
        auto line = lines_.take_line();
        if (line.status == maild::LineBuffer::Status::need_more) return;
        if (auth_step_ != AuthStep::none && line.status == maild::LineBuffer::Status::line) {
            continue_auth(line.line);
            continue;
        }
        handle_line(line);
    }
}

void SmtpSession::handle_line(const maild::LineBuffer::Result& line) {
    current_verb_.clear();
    if (line.status == maild::LineBuffer::Status::too_long) {
        send(reply(500, "5.5.2", "Error: line too long"));
        return;
    }
    if (line.line.find('\0') != std::string::npos) {
        send(reply(500, "5.5.2", "Error: NUL character in command"));
        return;
    }
    CommandLine command = split_command(line.line);
    if (command.verb.empty()) {
        send(reply(500, "5.5.2", "Error: bad syntax"));
        return;
    }
    dispatch(command);
}

void SmtpSession::dispatch(const CommandLine& command) {
    current_verb_ = command.verb;
    for (const auto& entry : command_table) {
        if (command.verb == entry.verb) {
            (this->*entry.handler)(command.argument);
            return;
        }
    }
    current_verb_ = maild::log::sanitize(command.verb, 20);
    send(reply(500, "5.5.2", "Error: command not recognized"));
}

// --- replies, errors and closing ------------------------------------------------------------------

void SmtpSession::send(const Reply& r) {
    output_ += r.wire();
    if (!r.is_error()) return;
    std::string line = "event=reject command=" + (current_verb_.empty() ? std::string("-") : current_verb_) +
                       " reply=\"" + maild::log::sanitize(r.summary()) + "\"";
    if (transaction_) line += " from=" + maild::log::sanitize(bracket(transaction_->sender));
    maild::log::info(connection_.id, line);
    if (r.code >= 500 && r.code != 552 && !closing_ && ++errors_ >= config_.max_errors) {
        close_with(reply(421, "4.7.0", config_.hostname + " Error: too many errors"));
    }
}

void SmtpSession::close_with(const Reply& r) {
    if (closing_) return;
    closing_ = true;
    output_ += r.wire();
    // A goodbye to QUIT is the normal end, which the disconnect line already records; closes the
    // server decides on (timeout, errors, shutdown) say why at info.
    const auto level = r.code == 221 ? maild::log::Level::debug : maild::log::Level::info;
    if (maild::log::enabled(level)) {
        maild::log::write(level, connection_.id, "event=close reply=\"" + maild::log::sanitize(r.summary()) + "\"");
    }
}

void SmtpSession::on_timeout() { close_with(reply(421, "4.4.2", config_.hostname + " Error: timeout exceeded")); }

void SmtpSession::on_shutdown() {
    if (data_) maild::log::info(connection_.id, "event=abandoned reason=shutdown stage=DATA");
    close_with(reply(421, "4.3.2", config_.hostname + " Service shutting down, closing transmission channel"));
}

void SmtpSession::on_disconnect() {
    closing_ = true;
    if (data_) maild::log::info(connection_.id, "event=abandoned reason=disconnect stage=DATA");
}

std::string SmtpSession::peer() const { return connection_.peer_address; }

// --- commands ---------------------------------------------------------------------------------

void SmtpSession::on_helo(const std::string& argument) {
    if (argument.empty()) return send(reply(501, "5.5.4", "Syntax: HELO hostname"));
    greeting_ = Greeting::helo;
    helo_name_ = argument;
    transaction_.reset();
    send(reply(250, "", config_.hostname));
}

void SmtpSession::on_ehlo(const std::string& argument) {
    if (argument.empty()) return send(reply(501, "5.5.4", "Syntax: EHLO hostname"));
    greeting_ = Greeting::ehlo;
    helo_name_ = argument;
    transaction_.reset();
    Reply r{250,
            "",
            {config_.hostname, "PIPELINING", "SIZE " + std::to_string(config_.max_message_bytes), "8BITMIME",
             "ENHANCEDSTATUSCODES", "SMTPUTF8"}};
    if (connection_.tls_available && !tls_) r.lines.push_back("STARTTLS");
    if (auth_offered()) r.lines.push_back("AUTH PLAIN LOGIN");
    r.lines.push_back("HELP");
    send(r);
}

void SmtpSession::on_mail(const std::string& argument) {
    if (greeting_ == Greeting::none) return send(reply(503, "5.5.1", "Error: send HELO/EHLO first"));
    if (transaction_) return send(reply(503, "5.5.1", "Error: nested MAIL command"));
    if (connection_.tls_required && !tls_) return send(reply(530, "5.7.0", "Must issue a STARTTLS command first"));
    if (connection_.role == "submission" && authenticated_.empty()) {
        return send(reply(530, "5.7.0", "Authentication required"));
    }
    PathParse parsed = parse_path_argument(argument, "FROM");
    if (!parsed.path) return send(reply(501, "5.5.4", parsed.error));
    const PathArgument& path = *parsed.path;

    Transaction transaction;
    for (const auto& parameter : path.parameters) {
        if (greeting_ != Greeting::ehlo) {
            return send(reply(555, "5.5.4", "Error: parameters need EHLO: " + parameter.keyword));
        }
        if (parameter.keyword == "SIZE") {
            std::size_t size = 0;
            const std::string& value = parameter.value.value_or("");
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), size);
            if (value.empty() || ec == std::errc::invalid_argument || end != value.data() + value.size()) {
                return send(reply(501, "5.5.4", "Bad SIZE parameter"));
            }
            if (ec == std::errc::result_out_of_range || size > config_.max_message_bytes) {
                return send(reply(552, "5.3.4", "Message size exceeds fixed limit"));
            }
        } else if (parameter.keyword == "BODY") {
            std::string body = ascii_lower(parameter.value.value_or(""));
            if (body != "7bit" && body != "8bitmime") return send(reply(501, "5.5.4", "Unsupported BODY type"));
        } else if (parameter.keyword == "SMTPUTF8") {
            if (parameter.value) return send(reply(501, "5.5.4", "SMTPUTF8 takes no value"));
            transaction.smtputf8 = true;
        } else if (parameter.keyword == "AUTH") {
            // RFC 4954 §5: without a trusted AUTH the parameter is ignored.
        } else {
            return send(reply(555, "5.5.4", "Unsupported option: " + maild::log::sanitize(parameter.keyword, 40)));
        }
    }
    if (!path.null_path) {
        ParsedMailbox sender = parse_mailbox(path.address);
        if (sender.problem != AddressProblem::none) {
            return send(
                reply(501, "5.1.7", bracket(maild::log::sanitize(path.address)) + ": Bad sender address syntax"));
        }
        if (has_non_ascii(path.address) && !transaction.smtputf8) {
            return send(reply(553, "5.6.7", "Must declare SMTPUTF8 to send unicode address"));
        }
        transaction.sender = path.address;
    }
    if (!authenticated_.empty() && !(parse_mailbox(transaction.sender).problem == AddressProblem::none &&
                                     iequals(parse_mailbox(transaction.sender).mailbox.address(), authenticated_))) {
        // An authenticated client may send only as its own address (no forged senders).
        return send(reply(553, "5.7.1",
                          bracket(maild::log::sanitize(transaction.sender)) +
                              ": Sender address rejected: not owned by " + authenticated_));
    }
    transaction_ = std::move(transaction);
    send(reply(250, "2.1.0", "Ok"));
}

void SmtpSession::on_rcpt(const std::string& argument) {
    if (!transaction_) return send(reply(503, "5.5.1", "Error: need MAIL command"));
    PathParse parsed = parse_path_argument(argument, "TO");
    if (!parsed.path) return send(reply(501, "5.5.4", parsed.error));
    const PathArgument& path = *parsed.path;
    const std::string shown = bracket(maild::log::sanitize(path.address));
    if (!path.parameters.empty()) {
        return send(
            reply(555, "5.5.4", "Unsupported option: " + maild::log::sanitize(path.parameters.front().keyword, 40)));
    }
    if (transaction_->recipients.size() >= config_.max_recipients) {
        return send(reply(452, "4.5.3", "Error: too many recipients"));
    }

    std::string mailbox;
    if (is_postmaster(path.address)) {  // RFC 5321 §4.5.1: bare <postmaster>, any case
        mailbox = config_.postmaster;
    } else {
        ParsedMailbox recipient = parse_mailbox(path.address);
        if (path.null_path || recipient.problem != AddressProblem::none) {
            return send(
                reply(501, "5.1.3", (path.null_path ? std::string("<>") : shown) + ": Bad recipient address syntax"));
        }
        if (has_non_ascii(path.address) && !transaction_->smtputf8) {
            return send(reply(553, "5.6.7", "Must declare SMTPUTF8 to send unicode address"));
        }
        const Mailbox& box = recipient.mailbox;
        if (std::find(config_.domains.begin(), config_.domains.end(), box.domain) == config_.domains.end()) {
            if (!authenticated_.empty()) {
                return send(reply(550, "5.7.1",
                                  shown + ": Relay access denied: maild delivers only to its own domains"
                                          " (outbound relay is not offered)"));
            }
            return send(reply(550, "5.7.1", shown + ": Relay access denied"));
        }
        switch (drop_.lookup(box.address())) {
            case MailboxLookup::exists: mailbox = box.address(); break;
            case MailboxLookup::unknown:
                if (!is_postmaster(box.local)) {
                    return send(reply(550, "5.1.1",
                                      shown + ": Recipient address rejected: User unknown in local recipient table"));
                }
                mailbox = config_.postmaster;
                break;
            case MailboxLookup::temporary:
                return send(reply(451, "4.3.0", shown + ": Temporary lookup failure, try again later"));
        }
    }
    transaction_->recipients.push_back(path.address);
    transaction_->mailboxes.push_back(std::move(mailbox));
    send(reply(250, "2.1.5", "Ok"));
}

void SmtpSession::on_data(const std::string& argument) {
    if (!transaction_) return send(reply(503, "5.5.1", "Error: need RCPT command"));
    if (transaction_->recipients.empty()) return send(reply(554, "5.5.1", "Error: no valid recipients"));
    if (!argument.empty()) return send(reply(501, "5.5.4", "Syntax: DATA"));
    data_.emplace(config_.max_message_bytes);
    send(reply(354, "", "End data with <CR><LF>.<CR><LF>"));
}

void SmtpSession::finish_data() {
    current_verb_ = "DATA";
    std::string queue_id = env_.new_queue_id();
    if (data_->too_big()) {
        maild::log::info(connection_.id, "event=too-big id=" + queue_id + " size>=" + std::to_string(data_->size()) +
                                             " limit=" + std::to_string(config_.max_message_bytes));
        send(reply(552, "5.3.4", "Error: message file too big"));
    } else {
        deliver(queue_id, data_->message());
    }
    data_.reset();
    transaction_.reset();
}

void SmtpSession::deliver(const std::string& queue_id, std::string& body) {
    // From the end of DATA to the reply: what the client waits for (logged; scripts/bench reads it).
    const auto data_ended = std::chrono::steady_clock::now();
    const Transaction& t = *transaction_;
    TraceInfo trace;
    trace.sender = t.sender;
    trace.helo_name = helo_name_;
    trace.peer_address = peer();
    trace.our_hostname = config_.hostname;
    // RFC 3848 / RFC 6531: ESMTP, plus S with TLS and A when authenticated.
    trace.protocol = std::string(t.smtputf8 ? "UTF8SMTP" : greeting_ == Greeting::ehlo ? "ESMTP" : "SMTP");
    if (greeting_ == Greeting::ehlo || t.smtputf8)
        trace.protocol += std::string(tls_ ? "S" : "") + (authenticated_.empty() ? "" : "A");
    trace.queue_id = queue_id;
    if (t.recipients.size() == 1) trace.single_recipient = t.recipients.front();
    trace.when = env_.now();
    std::string message = trace_headers(trace);
    message.reserve(message.size() + body.size());
    message += body;
    std::string().swap(body);

    std::vector<std::string> mailboxes = t.mailboxes;
    std::sort(mailboxes.begin(), mailboxes.end());
    mailboxes.erase(std::unique(mailboxes.begin(), mailboxes.end()), mailboxes.end());

    DropResult result = drop_.drop(message, mailboxes);
    const auto latency =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - data_ended);
    std::vector<std::string> shown;
    for (const auto& r : t.recipients) shown.push_back(maild::log::sanitize(bracket(r)));
    std::string facts = "id=" + queue_id + " from=" + maild::log::sanitize(bracket(t.sender)) +
                        " to=" + join(shown, ",") + " size=" + std::to_string(message.size()) +
                        " latency_us=" + std::to_string(latency.count());
    switch (result.status) {
        case DropResult::Status::stored:
            maild::log::info(connection_.id,
                             "event=delivered " + facts + " stored=" + maild::log::sanitize(result.detail));
            send(reply(250, "2.0.0", "Ok: queued as " + queue_id));
            break;
        case DropResult::Status::temporary_failure:
            maild::log::error(connection_.id,
                              "event=store-failed " + facts + " error=\"" + maild::log::sanitize(result.detail) + "\"");
            send(reply(451, "4.3.0", "Error: local delivery failed, try again later"));
            break;
        case DropResult::Status::no_space:
            maild::log::error(connection_.id,
                              "event=store-full " + facts + " error=\"" + maild::log::sanitize(result.detail) + "\"");
            send(reply(452, "4.3.1", "Error: insufficient system storage"));
            break;
    }
}

void SmtpSession::on_rset(const std::string& argument) {
    if (!argument.empty()) return send(reply(501, "5.5.4", "Syntax: RSET"));
    transaction_.reset();
    send(reply(250, "2.0.0", "Ok"));
}

void SmtpSession::on_noop(const std::string&) { send(reply(250, "2.0.0", "Ok")); }

void SmtpSession::on_vrfy(const std::string& argument) {
    if (argument.empty()) return send(reply(501, "5.5.4", "Syntax: VRFY address"));
    // RFC 5321 §3.5.3: 252 without revealing whether the user exists (no address harvesting).
    send(reply(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery"));
}

void SmtpSession::on_expn(const std::string&) { send(reply(502, "5.5.1", "Error: command not implemented")); }

void SmtpSession::on_help(const std::string&) {
    send(Reply{214, "2.0.0", {"Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT", "See RFC 5321"}});
}

void SmtpSession::on_quit(const std::string&) { close_with(reply(221, "2.0.0", "Bye")); }

void SmtpSession::on_not_implemented(const std::string&) {
    send(reply(502, "5.5.1", "Error: command not implemented"));
}

bool SmtpSession::auth_offered() const {
    return logins_ && maild::password_allowed(config_.plaintext_auth, tls_, connection_.loopback());
}

void SmtpSession::on_starttls(const std::string& argument) {
    if (!argument.empty()) return send(reply(501, "5.5.4", "Syntax: STARTTLS"));
    if (tls_) return send(reply(503, "5.5.1", "Error: TLS already active"));
    if (!connection_.tls_available) return send(reply(502, "5.5.1", "Error: command not implemented"));
    send(reply(220, "2.0.0", "Ready to start TLS"));
    starttls_requested_ = true;
    // RFC 3207 §4.2 (and CVE-2011-0411): whatever the client sent after STARTTLS in clear is
    // dropped, never read as if it came through TLS.
    std::string dropped = lines_.take_rest();
    if (!dropped.empty()) {
        maild::log::warn(connection_.id, "event=starttls-injection dropped_bytes=" + std::to_string(dropped.size()));
    }
}

void SmtpSession::on_tls_started() {
    // RFC 3207 §4.2: forget everything learned before TLS; the client starts with EHLO again.
    tls_ = true;
    greeting_ = Greeting::none;
    helo_name_.clear();
    transaction_.reset();
    authenticated_.clear();
}

void SmtpSession::on_auth(const std::string& argument) {
    if (!logins_) return send(reply(503, "5.5.1", "Error: authentication not enabled"));
    if (greeting_ != Greeting::ehlo) return send(reply(503, "5.5.1", "Error: send EHLO first"));
    if (!authenticated_.empty()) return send(reply(503, "5.5.1", "Error: already authenticated"));
    if (transaction_) return send(reply(503, "5.5.1", "Error: AUTH not allowed during a mail transaction"));
    if (!auth_offered()) {
        return send(reply(538, "5.7.11", "Encryption required for requested authentication mechanism"));
    }
    std::string mechanism = argument.substr(0, argument.find(' '));
    std::string initial = mechanism.size() < argument.size() ? argument.substr(mechanism.size() + 1) : "";
    mechanism = ascii_lower(mechanism);
    if (mechanism == "plain") {
        if (initial.empty()) {
            auth_step_ = AuthStep::plain_response;
            return send(Reply{334, "", {""}});
        }
        continue_auth(initial == "=" ? std::string() : initial);
        return;
    }
    if (mechanism == "login") {
        auth_step_ = AuthStep::login_user;
        if (initial.empty()) return send(Reply{334, "", {maild::encode_base64("Username:")}});
        return continue_auth(initial);
    }
    send(reply(504, "5.5.4", "Unrecognized authentication type"));
}

void SmtpSession::continue_auth(const std::string& line) {
    current_verb_ = "AUTH";
    AuthStep step = std::exchange(auth_step_, AuthStep::none);
    if (line == "*") return send(reply(501, "5.0.0", "Authentication cancelled"));
    if (step == AuthStep::none || step == AuthStep::plain_response) {
        auto credentials = maild::decode_sasl_plain(line);
        if (!credentials) return send(reply(501, "5.5.2", "Cannot decode the AUTH PLAIN response"));
        return finish_auth(credentials->authcid, credentials->password);
    }
    auto decoded = maild::decode_base64(line);
    if (!decoded) return send(reply(501, "5.5.2", "Cannot decode the AUTH LOGIN response"));
    if (step == AuthStep::login_user) {
        auth_login_ = *decoded;
        auth_step_ = AuthStep::login_password;
        return send(Reply{334, "", {maild::encode_base64("Password:")}});
    }
    finish_auth(std::exchange(auth_login_, std::string()), *decoded);
}

void SmtpSession::finish_auth(const std::string& login, const std::string& password) {
    auto account = logins_->check(login, password, connection_.peer_address);
    if (account) {
        authenticated_ = *account;
        auth_failures_ = 0;
        maild::log::info(connection_.id, "event=auth user=" + authenticated_ + " peer=" + connection_.peer_address);
        return send(reply(235, "2.7.0", "Authentication successful"));
    }
    maild::log::warn(connection_.id, "event=auth-failed login=" + maild::log::sanitize(login, 100) +
                                         " peer=" + connection_.peer_address);
    if (++auth_failures_ >= config_.max_auth_failures) {
        send(reply(535, "5.7.8", "Authentication credentials invalid"));
        return close_with(reply(421, "4.7.0", config_.hostname + " Error: too many failed authentications"));
    }
    send(reply(535, "5.7.8", "Authentication credentials invalid"));
}

void SmtpSession::on_forbidden(const std::string&) {
    maild::log::warn(connection_.id, "event=forbidden-command command=" + current_verb_ + " peer=" + peer());
    close_with(reply(221, "2.7.0", "Error: this is an SMTP server, not a web server. Goodbye."));
}

// --- factory ----------------------------------------------------------------------------------

std::unique_ptr<maild::Session> SmtpSessionFactory::create(const maild::ConnectionInfo& info) {
    return std::make_unique<SmtpSession>(config_, drop_, info, SessionEnv::system(), logins_);
}

std::string SmtpSessionFactory::busy_reply() const {
    return reply(421, "4.7.0", config_.hostname + " Error: too many connections, try again later").wire();
}

}  // namespace smtp
