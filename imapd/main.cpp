// imapd: the maild IMAP daemon. Runs in the foreground and logs to stderr (as systemd expects).

#include "common/daemon.hpp"
#include "common/log.hpp"
#include "common/login_throttle.hpp"
#include "common/server.hpp"
#include "imapd/daemon_options.hpp"
#include "imapd/imap_session.hpp"
#include "imapd/mailbox_watcher.hpp"
#include "store/mail_store.hpp"
#include "store/message/mime_serialize.hpp"

namespace {

int run(int argc, const char* const argv[]) {
    maild::log::set_program("imapd");
    auto settings = imapd::load_settings(argc, argv);
    if (!settings) return 0;
    maild::use_cpu_scheduling(settings->server);  // before any thread starts: threads inherit it

    settings->store_options.structure_builder = message::build_structure;  // parse once, at delivery
    auto mail_store = store::MailStore::open(settings->store_path, settings->store_options);
    imap::MailboxWatcher watcher(*mail_store, settings->notify_interval);
    maild::LoginThrottle throttle;
    imap::ImapSessionFactory factory(settings->imap, *mail_store, &watcher, &throttle);

    maild::Server server(settings->server, factory);
    maild::serve_until_signalled(
        server, settings->run_as_user, settings->run_as_group,
        "store=" + settings->store_path.string() + " hostname=" + settings->imap.hostname + " version=" MAILD_VERSION);
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    return maild::run_daemon_main("imapd", [&] { return run(argc, argv); });
}
