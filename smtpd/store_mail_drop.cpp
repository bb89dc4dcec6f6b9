#include "smtpd/store_mail_drop.hpp"

#include <ctime>

namespace smtp {

MailboxLookup StoreMailDrop::lookup(std::string_view address) {
    try {
        return store_.find_user(address) ? MailboxLookup::exists : MailboxLookup::unknown;
    } catch (const store::StoreError&) {
        return MailboxLookup::temporary;
    }
}

DropResult StoreMailDrop::drop(std::string_view message, std::span<const std::string> mailboxes) {
    using Status = DropResult::Status;
    try {
        std::vector<store::UserId> users;
        users.reserve(mailboxes.size());
        for (const auto& address : mailboxes) {
            auto user = store_.find_user(address);
            // Deleted between RCPT and DATA: refuse for now; the retry gets a clean 550 at RCPT.
            if (!user) return DropResult{Status::temporary_failure, "recipient " + address + " no longer exists"};
            users.push_back(user->id);
        }
        store::Delivery delivery = store_.deliver(message, users, std::time(nullptr));
        return DropResult{Status::stored, "message=" + std::to_string(delivery.message)};
    } catch (const store::StoreError& e) {
        bool full = e.kind() == store::StoreError::Kind::no_space;
        return DropResult{full ? Status::no_space : Status::temporary_failure, e.what()};
    }
}

}  // namespace smtp
