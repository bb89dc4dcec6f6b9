// The store's schema and its forward migrations, tracked in PRAGMA user_version.
#pragma once

#include "store/sqlite.hpp"

namespace store::schema {

/// The version this binary writes; a store with a higher user_version is refused (too_new).
inline constexpr int current_version = 5;

/// Brings db up to current_version in one write transaction, from whatever older version it has
/// (0 = a new, empty file). Throws StoreError: too_new, corrupt (an SQLite file that is not a
/// maild store).
void migrate(sqlite::Database& db, const std::string& path_for_messages);

}  // namespace store::schema
