#include "imapd/mailbox_watcher.hpp"

#include <cstdint>
#include <set>

#include "common/log.hpp"

namespace imap {

MailboxWatcher::MailboxWatcher(const store::MailStore& store, std::chrono::milliseconds interval)
    : store_(store), interval_(interval) {
    last_counter_ = store_.change_counter();
    thread_ = std::thread([this] { run(); });
}

MailboxWatcher::~MailboxWatcher() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    stop_signal_.notify_all();
    thread_.join();
}

void MailboxWatcher::watch(store::MailboxId mailbox, maild::Wakeup* wakeup) {
    std::lock_guard lock(mutex_);
    watchers_.emplace(mailbox, wakeup);
}

void MailboxWatcher::unwatch(store::MailboxId mailbox, maild::Wakeup* wakeup) {
    std::lock_guard lock(mutex_);
    auto [first, last] = watchers_.equal_range(mailbox);
    for (auto it = first; it != last; ++it) {
        if (it->second == wakeup) {
            watchers_.erase(it);
            return;
        }
    }
}

void MailboxWatcher::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        try {
            poll_once();
        } catch (const std::exception& e) {  // a locked or busy store: try again next time
            maild::log::debug(0, std::string("event=watcher-retry error=\"") + maild::log::sanitize(e.what()) + "\"");
        }
        lock.lock();
        stop_signal_.wait_for(lock, interval_, [this] { return stopping_; });
    }
}

void MailboxWatcher::poll_once() {
    std::uint64_t counter = store_.change_counter();
    if (counter == last_counter_) return;
    auto changed = store_.mailboxes_changed_since(last_counter_);
    last_counter_ = counter;
    std::set<store::MailboxId> mailboxes(changed.begin(), changed.end());
    std::lock_guard lock(mutex_);
    for (auto& [mailbox, wakeup] : watchers_) {
        if (mailboxes.count(mailbox)) wakeup->wake();
    }
}

}  // namespace imap
