// mailctl: the administrator's command for the maild store (users, mailboxes, messages).
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "store/mail_store.hpp"

#ifndef MAILD_VERSION
#define MAILD_VERSION "dev"
#endif

namespace {

constexpr const char* default_store = "/var/lib/maild/maild.db";

constexpr const char* usage_text =
    "usage: mailctl [--store FILE] [--config FILE] COMMAND ...\n"
    "\n"
    "commands:\n"
    "  init                              create the store if it does not exist\n"
    "  user add ADDRESS                  add a user (password from stdin, or prompted on a terminal)\n"
    "  user del ADDRESS                  delete a user with all their mail\n"
    "  user passwd ADDRESS               set a user's password\n"
    "  user list                         list users\n"
    "  mailbox list ADDRESS              list a user's mailboxes: messages, unseen, UIDNEXT, UIDVALIDITY\n"
    "  message list ADDRESS [MAILBOX]    list messages (UID, size, flags, date); MAILBOX defaults to INBOX\n"
    "  message show ADDRESS MAILBOX UID  write one message's stored bytes to stdout\n"
    "  check                             run an integrity check of the store\n"
    "\n"
    "options:\n"
    "  --store FILE    the store (default /var/lib/maild/maild.db, or `store` from --config)\n"
    "  --config FILE   read `store = FILE` from a maild config file\n"
    "  --help, --version\n";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The top-level `store = ...` of a maild INI file (keys inside [sections] are not shared).
std::string store_from_config(const std::string& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read config file " + file);
    std::string line;
    while (std::getline(in, line)) {
        auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#' || line[first] == ';') continue;
        if (line[first] == '[') break;
        auto equals = line.find('=');
        if (equals == std::string::npos) continue;
        auto trim = [](std::string s) {
            s.erase(0, s.find_first_not_of(" \t\r"));
            s.erase(s.find_last_not_of(" \t\r") + 1);
            return s;
        };
        if (trim(line.substr(0, equals)) == "store") return trim(line.substr(equals + 1));
    }
    return default_store;
}

std::string read_password_line() {
    std::string line;
    if (!std::getline(std::cin, line)) return {};
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    return line;
}

std::string prompt_without_echo(const char* prompt) {
    std::fputs(prompt, stderr);
    termios old_mode{};
    tcgetattr(STDIN_FILENO, &old_mode);
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    std::string line = read_password_line();
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_mode);
    std::fputs("\n", stderr);
    return line;
}

std::string read_new_password() {
    std::string password;
    if (isatty(STDIN_FILENO)) {
        password = prompt_without_echo("Password: ");
        if (prompt_without_echo("Retype password: ") != password) throw std::runtime_error("passwords do not match");
    } else {
        password = read_password_line();
    }
    if (password.empty()) throw std::runtime_error("empty password; give one line on stdin or type it at the prompt");
    return password;
}

std::string flag_names(std::uint32_t flags, const std::vector<std::string>& keywords) {
    std::string out;
    auto add = [&](const std::string& name) { out += (out.empty() ? "" : " ") + name; };
    if (flags & store::flag_seen) add("\\Seen");
    if (flags & store::flag_answered) add("\\Answered");
    if (flags & store::flag_flagged) add("\\Flagged");
    if (flags & store::flag_deleted) add("\\Deleted");
    if (flags & store::flag_draft) add("\\Draft");
    for (const auto& k : keywords) add(k);
    return "(" + out + ")";
}

store::UserInfo require_user(const store::MailStore& mail_store, const std::string& address) {
    auto user = mail_store.find_user(address);
    if (!user) throw store::StoreError(store::StoreError::Kind::not_found, "no such user " + address);
    return *user;
}

store::MailboxInfo require_mailbox(const store::MailStore& mail_store, store::UserId user, const std::string& name) {
    auto mailbox = mail_store.find_mailbox(user, name);
    if (!mailbox) throw store::StoreError(store::StoreError::Kind::not_found, "no such mailbox " + name);
    return *mailbox;
}

void need(const std::vector<std::string>& args, std::size_t min, std::size_t max) {
    if (args.size() < min || args.size() > max) throw UsageError("wrong number of arguments");
}

int run_command(const std::string& path, const std::vector<std::string>& args) {
    if (args.empty()) throw UsageError("no command given");
    const std::string& command = args[0];
    std::string sub = args.size() > 1 ? args[1] : "";
    store::OpenOptions options;

    if (command == "init") {
        need(args, 1, 1);
        bool existed = std::filesystem::exists(path);
        options.create_if_missing = true;
        store::MailStore::open(path, options);
        std::cout << (existed ? "store " + path + " already exists" : "created store " + path) << '\n';
        return 0;
    }
    if (command != "user" && command != "mailbox" && command != "message" && command != "check") {
        throw UsageError("unknown command '" + command + "'");
    }
    auto mail_store = store::MailStore::open(path, options);

    if (command == "check") {
        need(args, 1, 1);
        bool ok = mail_store->integrity_ok();
        std::cout << (ok ? "ok" : "integrity check FAILED: restore from a backup or run sqlite3 .recover") << '\n';
        return ok ? 0 : 1;
    }
    if (command == "user" && sub == "add") {
        need(args, 3, 3);
        std::string password = read_new_password();
        mail_store->add_user(args[2], password);
        std::cout << "added user " << args[2] << '\n';
    } else if (command == "user" && sub == "del") {
        need(args, 3, 3);
        mail_store->delete_user(args[2]);
        std::cout << "deleted user " << args[2] << '\n';
    } else if (command == "user" && sub == "passwd") {
        need(args, 3, 3);
        require_user(*mail_store, args[2]);
        mail_store->set_password(args[2], read_new_password());
        std::cout << "password changed for " << args[2] << '\n';
    } else if (command == "user" && sub == "list") {
        need(args, 2, 2);
        for (const auto& user : mail_store->list_users()) {
            std::cout << user.address << (user.can_login ? "" : "  (no password)") << '\n';
        }
    } else if (command == "mailbox" && sub == "list") {
        need(args, 3, 3);
        auto user = require_user(*mail_store, args[2]);
        std::printf("%-30s %10s %10s %10s %12s\n", "MAILBOX", "MESSAGES", "UNSEEN", "UIDNEXT", "UIDVALIDITY");
        for (const auto& m : mail_store->list_mailboxes(user.id)) {
            std::printf("%-30s %10u %10u %10u %12u\n", m.name.c_str(), m.message_count, m.unseen_count, m.uidnext,
                        m.uidvalidity);
        }
    } else if (command == "message" && sub == "list") {
        need(args, 3, 4);
        auto user = require_user(*mail_store, args[2]);
        auto mailbox = require_mailbox(*mail_store, user.id, args.size() > 3 ? args[3] : "INBOX");
        for (const auto& m : mail_store->list_messages(mailbox.id)) {
            char date[32];
            std::time_t when = m.internal_date;
            std::tm tm{};
            gmtime_r(&when, &tm);
            std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
            std::printf("%u %llu %s %s\n", m.uid, static_cast<unsigned long long>(m.size), date,
                        flag_names(m.flags, m.keywords).c_str());
        }
    } else if (command == "message" && sub == "show") {
        need(args, 5, 5);
        auto user = require_user(*mail_store, args[2]);
        auto mailbox = require_mailbox(*mail_store, user.id, args[3]);
        unsigned long uid = 0;
        try {
            uid = std::stoul(args[4]);
        } catch (const std::exception&) {
            throw UsageError("UID must be a number");
        }
        std::string raw = mail_store->read_message(mailbox.id, static_cast<store::Uid>(uid));
        std::fwrite(raw.data(), 1, raw.size(), stdout);
    } else {
        throw UsageError("unknown command '" + command + (sub.empty() ? "" : " " + sub) + "'");
    }
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    std::string path;
    std::string config;
    std::vector<std::string> args;
    try {
        for (int i = 1; i < argc; ++i) {
            std::string arg = argv[i];
            if (arg == "--help" || arg == "-h") {
                std::cout << usage_text;
                return 0;
            } else if (arg == "--version") {
                std::cout << "mailctl (maild) " << MAILD_VERSION << '\n';
                return 0;
            } else if ((arg == "--store" || arg == "--config") && args.empty()) {
                if (i + 1 >= argc) throw UsageError(arg + " needs a value");
                (arg == "--store" ? path : config) = argv[++i];
            } else if (arg.rfind("--store=", 0) == 0 && args.empty()) {
                path = arg.substr(8);
            } else {
                args.push_back(arg);
            }
        }
        if (path.empty()) path = config.empty() ? default_store : store_from_config(config);
        return run_command(path, args);
    } catch (const UsageError& e) {
        std::cerr << "mailctl: " << e.what() << "\n"
                  << "run 'mailctl --help' for usage\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "mailctl: " << e.what() << '\n';
        return 1;
    }
}
