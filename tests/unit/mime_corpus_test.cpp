// ENVELOPE and BODYSTRUCTURE for a corpus of real-world-shaped messages (tests/data/eml), against
// golden files reviewed by hand. MAILD_UPDATE_GOLDEN=1 rewrites the golden files (then review
// the diff: a golden file is a claim about RFC 3501, not a snapshot).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "imapd/message_section.hpp"
#include "imapd/mime_render.hpp"
#include "store/message/mime_serialize.hpp"
#include "store/message/mime_tree.hpp"

#ifndef MAILD_TEST_DATA_DIR
#define MAILD_TEST_DATA_DIR "tests/data"
#endif

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string render(const std::string& raw) {
    message::MimePart root = message::parse_message(raw);
    return "ENVELOPE " + imap::render_envelope(raw, root) + "\nBODYSTRUCTURE " +
           imap::render_body_structure(raw, root, true) + "\nBODY " + imap::render_body_structure(raw, root, false) +
           "\n";
}

std::vector<fs::path> corpus() {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(fs::path(MAILD_TEST_DATA_DIR) / "eml")) {
        if (entry.path().extension() == ".eml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

TEST(MimeCorpus, AtLeastTwentyMessages) { EXPECT_GE(corpus().size(), 20u); }

TEST(MimeCorpus, EnvelopeAndBodyStructureMatchGoldenFiles) {
    bool update = std::getenv("MAILD_UPDATE_GOLDEN") != nullptr;
    for (const auto& eml : corpus()) {
        fs::path golden = eml;
        golden.replace_extension(".expected");
        std::string actual = render(read_file(eml));
        if (update) {
            std::ofstream(golden, std::ios::binary) << actual;
            continue;
        }
        ASSERT_TRUE(fs::exists(golden)) << golden;
        EXPECT_EQ(actual, read_file(golden)) << eml.filename();
    }
}

TEST(MimeCorpus, StoredStructureRoundTrips) {
    for (const auto& eml : corpus()) {
        std::string raw = read_file(eml);
        message::MimePart parsed = message::parse_message(raw);
        auto restored = message::deserialize_structure(message::serialize_structure(parsed));
        ASSERT_TRUE(restored) << eml.filename();
        EXPECT_TRUE(message::structure_fits(*restored, raw.size()));
        EXPECT_EQ(imap::render_body_structure(raw, *restored, true), imap::render_body_structure(raw, parsed, true))
            << eml.filename();
        EXPECT_EQ(imap::render_envelope(raw, *restored), imap::render_envelope(raw, parsed));
    }
    EXPECT_FALSE(message::deserialize_structure(""));
    EXPECT_FALSE(message::deserialize_structure("\x01garbage"));
    std::string valid = message::build_structure("Subject: x\r\n\r\nbody\r\n");
    for (std::size_t cut = 0; cut < valid.size(); ++cut) {
        EXPECT_FALSE(message::deserialize_structure(std::string_view(valid).substr(0, cut))) << cut;
    }
    auto small = message::deserialize_structure(valid);
    ASSERT_TRUE(small);
    EXPECT_FALSE(message::structure_fits(*small, 5));  // built for another message
}

TEST(MimeCorpus, GarbledMessagesNeverCrash) {
    std::mt19937 random(42);
    for (const auto& eml : corpus()) {
        std::string raw = read_file(eml);
        for (int round = 0; round < 200; ++round) {
            std::string mutated = raw;
            int edits = 1 + static_cast<int>(random() % 8);
            for (int e = 0; e < edits && !mutated.empty(); ++e) {
                std::size_t at = random() % mutated.size();
                switch (random() % 3) {
                    case 0: mutated[at] = static_cast<char>(random() % 256); break;
                    case 1: mutated.erase(at, random() % 20); break;
                    default: mutated.insert(at, mutated.substr(random() % mutated.size(), random() % 40));
                }
            }
            std::string out = render(mutated);
            EXPECT_FALSE(out.empty());
            message::MimePart root = message::parse_message(mutated);
            imap::BodySection section;
            section.part = {1, 2};
            imap::extract_section(mutated, root, section);
        }
    }
}

TEST(MimeParser, DeepNestingIsBounded) {
    std::string raw = "Content-Type: multipart/mixed; boundary=b0\r\n\r\n";
    for (int i = 1; i < 100000; ++i) {
        raw += "--b" + std::to_string(i - 1) + "\r\nContent-Type: multipart/mixed; boundary=b" + std::to_string(i) +
               "\r\n\r\n";
    }
    message::MimePart root = message::parse_message(raw);
    std::size_t depth = 0;
    for (const message::MimePart* p = &root; !p->children.empty(); p = &p->children.front()) ++depth;
    EXPECT_LE(depth, 50u);
    EXPECT_FALSE(imap::render_body_structure(raw, root, true).empty());
}

TEST(MimeParser, ManyParts) {
    std::string raw = "Content-Type: multipart/mixed; boundary=x\r\n\r\n";
    for (int i = 0; i < 10000; ++i) raw += "--x\r\nContent-Type: text/plain\r\n\r\npart\r\n";
    raw += "--x--\r\n";
    message::MimePart root = message::parse_message(raw);
    EXPECT_EQ(root.children.size(), 10000u);
}

TEST(MessageSections, PartsHeadersAndNestedMessages) {
    std::string raw = read_file(fs::path(MAILD_TEST_DATA_DIR) / "eml" / "09-forwarded-rfc822.eml");
    message::MimePart root = message::parse_message(raw);
    auto section = [&](std::vector<std::uint32_t> part, imap::BodySection::Which which,
                       std::vector<std::string> fields = {}) {
        imap::BodySection s;
        s.part = std::move(part);
        s.which = which;
        s.fields = std::move(fields);
        return imap::extract_section(raw, root, s);
    };
    using Which = imap::BodySection::Which;
    EXPECT_EQ(section({1}, Which::whole), "Forwarding this.");
    EXPECT_EQ(section({1}, Which::mime), "Content-Type: text/plain\r\n\r\n");
    EXPECT_EQ(section({2, 1}, Which::whole), "Inner text.");
    EXPECT_EQ(section({2, 2}, Which::whole), "<p>Inner text.</p>");
    EXPECT_EQ(section({2}, Which::header_fields, {"SUBJECT"}), "Subject: Report\r\n\r\n");
    EXPECT_EQ(section({2}, Which::text)->rfind("--inner\r\n", 0), 0u);
    EXPECT_EQ(section({}, Which::header_fields_not, {"FROM", "TO", "DATE", "MIME-VERSION", "CONTENT-TYPE"}),
              "Subject: Fwd: Report attached\r\n\r\n");
    EXPECT_FALSE(section({3}, Which::whole));
    EXPECT_FALSE(section({1}, Which::header));  // part 1 is not a message
    EXPECT_EQ(section({}, Which::whole), raw);
}

TEST(MessageSections, SinglePartMessageHasPartOne) {
    std::string raw = "Subject: x\r\n\r\nbody\r\n";
    message::MimePart root = message::parse_message(raw);
    imap::BodySection s;
    s.part = {1};
    EXPECT_EQ(imap::extract_section(raw, root, s), "body\r\n");
    s.part = {2};
    EXPECT_FALSE(imap::extract_section(raw, root, s));
}

TEST(AddressList, Forms) {
    auto list = imap::parse_address_list("\"Doe, John\" <john@example.org>, jane@example.org (Jane), <@relay:x@y.z>");
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0].name, "Doe, John");
    EXPECT_EQ(list[0].mailbox, "john");
    EXPECT_EQ(list[1].name, std::nullopt);
    EXPECT_EQ(list[1].host, "example.org");
    EXPECT_EQ(list[2].adl, "@relay");
    auto group = imap::parse_address_list("Team: a@x.org, b@y.org;");
    ASSERT_EQ(group.size(), 4u);
    EXPECT_EQ(group[0].mailbox, "Team");
    EXPECT_FALSE(group[0].host);
    EXPECT_FALSE(group[3].mailbox);
    auto no_domain = imap::parse_address_list("localuser");
    ASSERT_EQ(no_domain.size(), 1u);
    EXPECT_EQ(no_domain[0].host, "MISSING_DOMAIN");
}

}  // namespace
