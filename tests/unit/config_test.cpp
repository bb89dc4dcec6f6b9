#include "common/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace po = boost::program_options;
using maild::config::ConfigError;
using maild::config::Loader;

class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("maild-config-test-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write_file(const std::string& text) {
        auto path = dir_ / "maild.conf";
        std::ofstream(path) << text;
        return path.string();
    }

    static Loader make_loader(const std::string& program) {
        Loader loader(program, "test");
        maild::config::add_server_options(loader.options(), 25);
        loader.options().add_options()("domain", po::value<std::vector<std::string>>()->multitoken(), "domains")(
            "max-recipients", po::value<std::size_t>()->default_value(1000), "n");
        return loader;
    }

    static po::variables_map parse(Loader& loader, std::vector<std::string> args) {
        std::vector<const char*> argv{"prog"};
        for (auto& a : args) argv.push_back(a.c_str());
        auto vm = loader.parse(static_cast<int>(argv.size()), argv.data());
        EXPECT_TRUE(vm.has_value());
        return vm ? *vm : po::variables_map{};
    }

    std::filesystem::path dir_;
};

TEST_F(ConfigTest, DefaultsApplyWithoutAnyInput) {
    auto loader = make_loader("smtpd");
    auto vm = parse(loader, {});
    EXPECT_EQ(vm["port"].as<std::uint16_t>(), 25);
    EXPECT_EQ(vm["max-connections"].as<std::size_t>(), 1000u);
    EXPECT_EQ(vm["listen"].as<std::vector<std::string>>(), (std::vector<std::string>{"0.0.0.0", "::"}));
    EXPECT_EQ(vm["log-level"].as<std::string>(), "info");
}

TEST_F(ConfigTest, FileValuesApplyAndCommandLineWins) {
    auto path = write_file("port = 2525\nmax-recipients = 50\nlog-level = debug\n");
    auto loader = make_loader("smtpd");
    auto vm = parse(loader, {"--config", path, "--port", "2600"});
    EXPECT_EQ(vm["port"].as<std::uint16_t>(), 2600);
    EXPECT_EQ(vm["max-recipients"].as<std::size_t>(), 50u);
    EXPECT_EQ(vm["log-level"].as<std::string>(), "debug");
}

TEST_F(ConfigTest, ProgramSectionWinsOverSharedKeysAndOtherSectionsAreIgnored) {
    auto path = write_file("port = 1\n[smtpd]\nport = 2525\n[imapd]\nport = 1143\nidle-timeout = 1800\n");
    auto smtpd = make_loader("smtpd");
    EXPECT_EQ(parse(smtpd, {"--config", path})["port"].as<std::uint16_t>(), 2525);
    auto imapd = make_loader("imapd");
    EXPECT_THROW(parse(imapd, {"--config", path}), ConfigError);  // idle-timeout is unknown to this loader
}

TEST_F(ConfigTest, RepeatedKeysAccumulate) {
    auto path = write_file("domain = example.test\ndomain = example.org\n");
    auto loader = make_loader("smtpd");
    auto vm = parse(loader, {"--config", path});
    EXPECT_EQ(vm["domain"].as<std::vector<std::string>>(), (std::vector<std::string>{"example.test", "example.org"}));
    auto cli = make_loader("smtpd");
    auto vm2 = parse(cli, {"--config", path, "--domain", "only.test"});
    EXPECT_EQ(vm2["domain"].as<std::vector<std::string>>(), (std::vector<std::string>{"only.test"}));
}

TEST_F(ConfigTest, UnknownSharedKeyIsOnlyAWarning) {
    auto path = write_file("some-imapd-option = 3\n");
    auto loader = make_loader("smtpd");
    parse(loader, {"--config", path});
    ASSERT_EQ(loader.warnings().size(), 1u);
    EXPECT_NE(loader.warnings()[0].find("some-imapd-option"), std::string::npos);
}

TEST_F(ConfigTest, ErrorsNameTheProblem) {
    auto loader = make_loader("smtpd");
    try {
        parse(loader, {"--port", "notaport"});
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("port"), std::string::npos) << e.what();
    }
    auto missing = make_loader("smtpd");
    try {
        parse(missing, {"--config", (dir_ / "nope.conf").string()});
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("nope.conf"), std::string::npos) << e.what();
    }
    auto unknown = make_loader("smtpd");
    EXPECT_THROW(parse(unknown, {"--no-such-option"}), ConfigError);
    auto bad_section = make_loader("smtpd");
    auto path = write_file("[smtpd]\nprot = 25\n");
    EXPECT_THROW(parse(bad_section, {"--config", path}), ConfigError);
}

TEST_F(ConfigTest, HelpAndVersionReturnNothing) {
    auto loader = make_loader("smtpd");
    const char* argv[] = {"prog", "--version"};
    testing::internal::CaptureStdout();
    EXPECT_FALSE(loader.parse(2, argv).has_value());
    EXPECT_NE(testing::internal::GetCapturedStdout().find("maild"), std::string::npos);
}

}  // namespace
