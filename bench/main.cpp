// maild-bench: tools for scripts/bench.
//   maild-bench fill STORE ADDRESS COUNT [MAILBOX]   bulk-load a mailbox through the store API
//   maild-bench imap --port N --clients N --seconds S --users N --password PW
//                    [--host A] [--user-prefix P] [--domain D] [--prefill N]
//                                                    IMAP load generator (imaptest-style mix)
#include <exception>
#include <iostream>
#include <map>
#include <string>

#include "bench/fill_mailbox.hpp"
#include "bench/imap_load.hpp"

namespace {

constexpr const char* usage =
    "usage: maild-bench fill STORE ADDRESS COUNT [MAILBOX]\n"
    "       maild-bench imap --port N --clients N --seconds S --users N --password PW\n"
    "                        [--host ADDRESS] [--user-prefix P] [--domain D] [--prefill N]\n";

int imap(int argc, char** argv) {
    std::map<std::string, std::string> flags;
    for (int i = 2; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
    if ((argc - 2) % 2 != 0 || !flags.count("--port") || !flags.count("--password")) {
        std::cerr << usage;
        return 2;
    }
    bench::ImapLoadOptions o;
    auto get = [&](const char* name, auto fallback) { return flags.count(name) ? flags[name] : std::string(fallback); };
    o.host = get("--host", o.host);
    o.port = static_cast<std::uint16_t>(std::stoul(flags["--port"]));
    o.clients = static_cast<unsigned>(std::stoul(get("--clients", "10")));
    o.seconds = std::stod(get("--seconds", "10"));
    o.users = static_cast<unsigned>(std::stoul(get("--users", "10")));
    o.password = flags["--password"];
    o.user_prefix = get("--user-prefix", o.user_prefix);
    o.domain = get("--domain", o.domain);
    o.prefill = static_cast<unsigned>(std::stoul(get("--prefill", "0")));
    return bench::run_imap_load(o);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        std::string command = argc > 1 ? argv[1] : "";
        if (command == "fill" && (argc == 5 || argc == 6)) {
            bench::FillOptions options;
            options.store = argv[2];
            options.address = argv[3];
            options.count = std::stoull(argv[4]);
            if (argc == 6) options.mailbox = argv[5];
            return bench::fill_mailbox(options);
        }
        if (command == "imap") return imap(argc, argv);
        std::cerr << usage;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "maild-bench: " << e.what() << "\n";
        return 1;
    }
}
