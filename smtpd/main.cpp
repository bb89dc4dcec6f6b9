// smtpd: the maild SMTP daemon. Runs in the foreground and logs to stderr (as systemd expects).

#include "common/daemon.hpp"
#include "common/log.hpp"
#include "common/login_throttle.hpp"
#include "common/server.hpp"
#include "smtpd/daemon_options.hpp"
#include "smtpd/smtp_session.hpp"
#include "smtpd/store_mail_drop.hpp"
#include "store/mail_store.hpp"
#include "store/message/mime_serialize.hpp"

namespace {

/// RFC 5321 §4.5.1: postmaster must be deliverable. Its mailbox is created, without a password
/// (so nobody can log in until `mailctl user passwd` sets one), if the admin has not made it.
void ensure_postmaster(store::MailStore& mail_store, const std::string& postmaster) {
    if (mail_store.find_user(postmaster)) return;
    try {
        mail_store.add_user(postmaster, "");
        maild::log::warn(0, "event=postmaster-created address=" + postmaster +
                                " hint=\"set a password with: mailctl user passwd " + postmaster + "\"");
    } catch (const store::StoreError& e) {
        if (e.kind() != store::StoreError::Kind::already_exists) throw;  // another process won the race
    }
}

int run(int argc, const char* const argv[]) {
    maild::log::set_program("smtpd");
    auto settings = smtpd::load_settings(argc, argv);
    if (!settings) return 0;
    maild::use_cpu_scheduling(settings->server);  // before any thread starts: threads inherit it

    settings->store_options.structure_builder = message::build_structure;  // parse once, at delivery
    auto mail_store = store::MailStore::open(settings->store_path, settings->store_options);
    ensure_postmaster(*mail_store, settings->smtp.postmaster);
    smtp::StoreMailDrop mail_drop(*mail_store);
    maild::LoginThrottle throttle;
    store::Authenticator authenticator(*mail_store, settings->smtp.domains, &throttle);
    smtp::StoreLoginChecker logins(authenticator);
    smtp::SmtpSessionFactory factory(settings->smtp, mail_drop, &logins);

    maild::Server server(settings->server, factory);
    maild::serve_until_signalled(
        server, settings->run_as_user, settings->run_as_group,
        "store=" + settings->store_path.string() + " hostname=" + settings->smtp.hostname + " version=" MAILD_VERSION);
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    return maild::run_daemon_main("smtpd", [&] { return run(argc, argv); });
}
