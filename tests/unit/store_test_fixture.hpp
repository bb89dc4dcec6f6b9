// A temporary store per test, removed afterwards.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "store/mail_store.hpp"

namespace store::testing {

class TempStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device random;
        dir_ = std::filesystem::temp_directory_path() / ("maild-store-test-" + std::to_string(random()));
        std::filesystem::create_directories(dir_);
        path_ = dir_ / "maild.db";
        store_ = open(true);
    }
    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::unique_ptr<MailStore> open(bool create = false) {
        OpenOptions options;
        options.create_if_missing = create;
        return MailStore::open(path_, options);
    }
    MailboxId inbox(UserId user) { return store_->find_mailbox(user, "INBOX")->id; }

    std::filesystem::path dir_;
    std::filesystem::path path_;
    std::unique_ptr<MailStore> store_;
};

}  // namespace store::testing
