// The SMTP session's view of local mail storage: which recipients exist, and a durable drop.
//
// A seam injected into SmtpSession so the protocol is tested without a database (see
// tests/unit/fake_mail_drop.hpp). The production implementation is StoreMailDrop over
// store::MailStore. Implementations are called from many session threads at once: thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace smtp {

/// Outcome of looking up a local mailbox name.
enum class MailboxLookup {
    exists,     ///< a user with that address exists: deliverable
    unknown,    ///< no such user
    temporary,  ///< the store could not be asked (locked, I/O error): answer 4xx
};

/// Outcome of a durable delivery.
struct DropResult {
    enum class Status { stored, temporary_failure, no_space };
    Status status = Status::temporary_failure;
    std::string detail;  ///< store message id on success, the error otherwise (for the log)
};

class MailDrop {
public:
    virtual ~MailDrop() = default;
    /// address is a full local address (local@domain, domain already known to be local).
    virtual MailboxLookup lookup(std::string_view address) = 0;
    /// Stores `message` once for every address in `mailboxes` (each previously looked up as
    /// existing), in one durable commit. Returns only after the commit is on disk (stored), or
    /// having stored nothing (the failures).
    virtual DropResult drop(std::string_view message, std::span<const std::string> mailboxes) = 0;
};

}  // namespace smtp
