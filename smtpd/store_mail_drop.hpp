// MailDrop over the SQLite store: lookups are find_user, a drop is one durable deliver() that
// resolves the addresses itself.
#pragma once

#include "smtpd/mail_drop.hpp"
#include "store/mail_store.hpp"

namespace smtp {

class StoreMailDrop : public MailDrop {
public:
    explicit StoreMailDrop(store::MailStore& store) : store_(store) {}
    MailboxLookup lookup(std::string_view address) override;
    DropResult drop(std::string_view message, std::span<const std::string> mailboxes) override;

private:
    store::MailStore& store_;
};

}  // namespace smtp
