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
        // Addresses are resolved inside the delivering transaction: a recipient deleted between
        // RCPT and DATA fails the whole drop (for now; the retry gets a clean 550 at RCPT).
        store::Delivery delivery = store_.deliver(message, mailboxes, std::time(nullptr));
        return DropResult{Status::stored, "message=" + std::to_string(delivery.message)};
    } catch (const store::StoreError& e) {
        bool full = e.kind() == store::StoreError::Kind::no_space;
        return DropResult{full ? Status::no_space : Status::temporary_failure, e.what()};
    }
}

}  // namespace smtp
