// New-mail and change notification across sessions and processes.
//
// One watcher per imapd process polls the store's change counter (one cheap query every
// notify-interval) and, when it moved, asks which mailboxes changed and wakes only the sessions
// that have one of them selected, through their connection's Wakeup. smtpd, mailctl and other imapd
// processes need not know about it: every change to the store moves the counter.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "common/wakeup.hpp"
#include "store/mail_store.hpp"

namespace imap {

class MailboxWatcher {
public:
    MailboxWatcher(const store::MailStore& store, std::chrono::milliseconds interval);
    ~MailboxWatcher();
    MailboxWatcher(const MailboxWatcher&) = delete;
    MailboxWatcher& operator=(const MailboxWatcher&) = delete;

    /// Wakes wakeup (not owned) whenever mailbox changes, until unwatch() returns.
    void watch(store::MailboxId mailbox, maild::Wakeup* wakeup);
    void unwatch(store::MailboxId mailbox, maild::Wakeup* wakeup);

private:
    void run();
    void poll_once();

    const store::MailStore& store_;
    std::chrono::milliseconds interval_;
    std::uint64_t last_counter_ = 0;  // only touched by the watcher thread

    std::mutex mutex_;
    std::condition_variable stop_signal_;
    bool stopping_ = false;                                     // guarded by mutex_
    std::multimap<store::MailboxId, maild::Wakeup*> watchers_;  // guarded by mutex_
    std::thread thread_;
};

}  // namespace imap
