// maild-bench: tools for scripts/bench.
//   maild-bench fill STORE ADDRESS COUNT [MAILBOX]   bulk-load a mailbox through the store API
#include <exception>
#include <iostream>
#include <string>

#include "bench/fill_mailbox.hpp"

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
        std::cerr << "usage: maild-bench fill STORE ADDRESS COUNT [MAILBOX]\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "maild-bench: " << e.what() << "\n";
        return 1;
    }
}
