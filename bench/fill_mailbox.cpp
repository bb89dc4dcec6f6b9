// maild-bench fill: bulk-loads a mailbox through the store API with realistic-looking messages
// (varied senders, subjects, dates over three years, sizes of 1-4 KB, nine in ten \Seen), from
// several threads at once so group commit batches them.
#include "bench/fill_mailbox.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "store/mail_store.hpp"
#include "store/message/mime_serialize.hpp"

namespace bench {
namespace {

constexpr std::int64_t three_years = 3 * 365 * 24 * 3600;
const char* const topics[] = {"budget", "release", "meeting", "invoice", "holiday", "report", "lunch", "deploy"};

std::string make_message(std::uint64_t n, std::int64_t date, std::mt19937_64& random) {
    char when[64];
    std::time_t t = static_cast<std::time_t>(date);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(when, sizeof when, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    std::string sender = "sender" + std::to_string(random() % 50) + "@example.net";
    std::string topic = topics[random() % std::size(topics)];
    std::string message = "From: Sender <" + sender + ">\r\nTo: <user@bench.test>\r\nSubject: " + topic + " note " +
                          std::to_string(n) + "\r\nDate: " + when + "\r\nMessage-ID: <" + std::to_string(n) +
                          ".bench@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
    std::size_t body = 1024 + random() % 3072;
    while (message.size() < body) message += "The " + topic + " line of message " + std::to_string(n) + " goes on.\r\n";
    return message;
}

}  // namespace

int fill_mailbox(const FillOptions& options) {
    store::OpenOptions open;
    open.structure_builder = message::build_structure;
    auto mail_store = store::MailStore::open(options.store, open);
    auto user = mail_store->find_user(options.address);
    if (!user) {
        std::cerr << "maild-bench: no user " << options.address << "\n";
        return 1;
    }
    auto mailbox = mail_store->find_mailbox(user->id, options.mailbox);
    if (!mailbox) {
        std::cerr << "maild-bench: " << options.address << " has no mailbox " << options.mailbox << "\n";
        return 1;
    }
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::atomic<std::uint64_t> next{0};
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < options.threads; ++t) {
        workers.emplace_back([&, t] {
            std::mt19937_64 random(t + 1);
            for (std::uint64_t n; (n = next.fetch_add(1)) < options.count;) {
                // Dates rise with n (as delivered mail does), with some jitter.
                std::int64_t date = now - three_years + static_cast<std::int64_t>(n * three_years / options.count) +
                                    static_cast<std::int64_t>(random() % 3600);
                std::uint32_t flags = (random() % 10 == 0) ? 0u : static_cast<std::uint32_t>(store::flag_seen);
                mail_store->append(mailbox->id, make_message(n, date, random), flags, date);
            }
        });
    }
    for (auto& w : workers) w.join();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "filled " << options.mailbox << " of " << options.address << " with " << options.count
              << " messages in " << seconds << " s (" << static_cast<long>(options.count / seconds) << "/s)\n";
    return 0;
}

}  // namespace bench
