// imapd: the maild IMAP daemon. Runs in the foreground and logs to stderr (as systemd expects).
#include <cstdio>
#include <exception>

#include "common/config.hpp"
#include "common/log.hpp"
#include "common/privileges.hpp"
#include "common/login_throttle.hpp"
#include "common/server.hpp"
#include "common/signals.hpp"
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

    settings->store_options.structure_builder = message::build_structure;  // parse once, at delivery
    auto mail_store = store::MailStore::open(settings->store_path, settings->store_options);
    imap::MailboxWatcher watcher(*mail_store, settings->notify_interval);
    maild::LoginThrottle throttle;
    imap::ImapSessionFactory factory(settings->imap, *mail_store, &watcher, &throttle);

    maild::Server server(settings->server, factory);
    maild::SignalWatcher signals([&server](int sig) {
        maild::log::info(0, "event=signal signal=" + std::to_string(sig) + " action=shutdown");
        server.stop();
    });
    server.bind();
    maild::drop_privileges(settings->run_as_user, settings->run_as_group);  // before serving anyone
    maild::log::info(0, "event=ready store=" + settings->store_path.string() + " hostname=" + settings->imap.hostname +
                            " version=" MAILD_VERSION);
    bool clean = server.run();
    maild::log::info(0, clean ? "event=stopped" : "event=stopped sessions_abandoned=true");
    if (!clean) std::_Exit(0);  // detached sessions still hold references into this frame
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        return run(argc, argv);
    } catch (const maild::config::ConfigError& e) {
        std::fprintf(stderr, "imapd: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        // Start-up failures (port in use, missing store) end here, with a message that says why.
        std::fprintf(stderr, "imapd: %s\n", e.what());
        return 1;
    }
}
