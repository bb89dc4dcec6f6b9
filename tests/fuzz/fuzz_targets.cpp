#include "tests/fuzz/fuzz_targets.hpp"

#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/log.hpp"
#include "imapd/command_framer.hpp"
#include "imapd/command_reader.hpp"
#include "imapd/fetch_request.hpp"
#include "imapd/imap_session.hpp"
#include "imapd/message_section.hpp"
#include "imapd/mime_render.hpp"
#include "imapd/number_set.hpp"
#include "imapd/search_program.hpp"
#include "smtpd/smtp_session.hpp"
#include "store/message/mime_serialize.hpp"
#include "tests/unit/fake_mail_drop.hpp"

namespace maild::fuzz {

namespace {

std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// Feeds text to a session in pieces whose sizes come from a simple generator seeded by the input.
template <typename Session>
void feed_in_pieces(Session& session, std::string_view text) {
    std::size_t seed = text.empty() ? 1 : static_cast<unsigned char>(text[0]) + 1;
    while (!text.empty() && !session.wants_close()) {
        seed = seed * 1103515245u + 12345u;
        std::size_t piece = std::min<std::size_t>(text.size(), 1 + (seed >> 8) % 64);
        session.feed(text.substr(0, piece));
        session.take_output();
        if (session.take_starttls_request()) session.on_tls_started();
        text.remove_prefix(piece);
    }
}

class FuzzLogins : public smtp::LoginChecker {
public:
    std::optional<std::string> check(std::string_view login, std::string_view password, const std::string&) override {
        if (login == "alice" && password == "secret") return std::string("alice@example.test");
        return std::nullopt;
    }
};

}  // namespace

void smtp_session(const std::uint8_t* data, std::size_t size) {
    log::set_level(log::Level::off);
    static smtp::SmtpConfig config = [] {
        smtp::SmtpConfig c;
        c.hostname = "mx.example.test";
        c.domains = {"example.test"};
        c.max_message_bytes = 4096;
        c.max_line_bytes = 512;
        return c;
    }();
    smtp::testing::FakeMailDrop drop({"alice@example.test", "bob@example.test"});
    FuzzLogins logins;
    ConnectionInfo info;
    info.peer_address = "127.0.0.1";
    info.tls_available = size > 0 && (data[0] & 1);
    smtp::SmtpSession session(config, drop, info, smtp::SessionEnv{[] { return std::string("Q"); }, [] { return std::time_t{0}; }},
                              &logins);
    session.start();
    feed_in_pieces(session, as_text(data, size));
    session.on_timeout();
    session.take_output();
}

void imap_command(const std::uint8_t* data, std::size_t size) {
    imap::CommandFramer::Limits limits;
    limits.max_line_bytes = 4096;
    limits.max_literal_bytes = 4096;
    limits.max_command_bytes = 16384;
    imap::CommandFramer framer(limits);
    framer.append(as_text(data, size));
    for (int i = 0; i < 1000; ++i) {
        auto framed = framer.next();
        if (framed.event == imap::CommandFramer::Event::need_more) break;
        if (framed.event != imap::CommandFramer::Event::command) continue;
        const std::string& text = framed.text;
        {
            imap::CommandReader r(text);
            while (!r.at_end() && r.error().empty()) {
                if (!r.astring() && !r.consume(' ') && !r.consume('(') && !r.consume(')')) break;
            }
        }
        {
            imap::CommandReader r(text);
            imap::read_fetch_request(r);
        }
        {
            imap::CommandReader r(text);
            bool bad_charset = false;
            auto program = imap::read_search_program(r, 50, bad_charset);
            (void)program;
        }
        {
            imap::CommandReader r(text);
            if (auto set = imap::NumberSet::read(r, 1000)) {
                set->resolve(100);
                set->contains(7, 100);
            }
        }
    }
}

void imap_session(const std::uint8_t* data, std::size_t size) {
    log::set_level(log::Level::off);
    static std::unique_ptr<store::MailStore> mail_store = [] {
        auto dir = std::filesystem::temp_directory_path() / ("maild-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        store::OpenOptions options;
        options.create_if_missing = true;
        options.structure_builder = message::build_structure;
        auto s = store::MailStore::open(dir / "maild.db", options);
        store::UserId alice = s->add_user("alice@example.test", "secret");
        store::UserId to[] = {alice};
        s->deliver("From: a@b.example\r\nSubject: one\r\n\r\nbody\r\n", to, 0);
        s->deliver("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\npart\r\n--x--\r\n", to, 0);
        return s;
    }();
    static imap::ImapConfig config = [] {
        imap::ImapConfig c;
        c.domains = {"example.test"};
        c.max_line_bytes = 4096;
        c.max_literal_bytes = 4096;
        c.max_nesting_depth = 20;
        return c;
    }();
    ConnectionInfo info;
    info.peer_address = "127.0.0.1";
    imap::ImapSession session(config, *mail_store, nullptr, info);
    session.start();
    if (size > 0 && (data[0] & 1)) session.feed("a LOGIN alice secret\r\nb SELECT INBOX\r\n");
    feed_in_pieces(session, as_text(data, size));
    session.take_output();
}

void mime_message(const std::uint8_t* data, std::size_t size) {
    std::string_view raw = as_text(data, size);
    message::MimePart root = message::parse_message(raw);
    imap::render_envelope(raw, root);
    imap::render_body_structure(raw, root, true);
    auto restored = message::deserialize_structure(message::serialize_structure(root));
    if (!restored || !message::structure_fits(*restored, raw.size())) __builtin_trap();
    imap::searchable_body(raw, root);
    message::deserialize_structure(raw);  // garbage in: must be refused, never crash
    for (std::uint32_t a = 1; a <= 3; ++a) {
        for (auto which : {imap::BodySection::Which::whole, imap::BodySection::Which::header,
                           imap::BodySection::Which::text, imap::BodySection::Which::mime}) {
            imap::BodySection section;
            section.part = {a, 1};
            section.which = which;
            imap::extract_section(raw, root, section);
            section.part = {a};
            imap::extract_section(raw, root, section);
        }
    }
}

}  // namespace maild::fuzz
