// An in-memory MailDrop for SMTP session tests: a fixed set of users, every drop recorded, and
// switches to make lookups or drops fail.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "smtpd/mail_drop.hpp"
#include "smtpd/smtp_address.hpp"

namespace smtp::testing {

class FakeMailDrop : public MailDrop {
public:
    struct Dropped {
        std::string message;
        std::vector<std::string> mailboxes;
    };

    explicit FakeMailDrop(std::set<std::string> users) : users_(std::move(users)) {}

    MailboxLookup lookup(std::string_view address) override {
        lookups.emplace_back(address);
        if (lookup_fails) return MailboxLookup::temporary;
        return users_.count(ascii_lower(address)) ? MailboxLookup::exists : MailboxLookup::unknown;
    }

    DropResult drop(std::string_view message, std::span<const std::string> mailboxes) override {
        if (drop_status != DropResult::Status::stored) return DropResult{drop_status, "injected failure"};
        dropped.push_back(Dropped{std::string(message), std::vector<std::string>(mailboxes.begin(), mailboxes.end())});
        return DropResult{DropResult::Status::stored, "message=" + std::to_string(dropped.size())};
    }

    std::vector<Dropped> dropped;
    std::vector<std::string> lookups;
    bool lookup_fails = false;
    DropResult::Status drop_status = DropResult::Status::stored;

private:
    std::set<std::string> users_;
};

}  // namespace smtp::testing
