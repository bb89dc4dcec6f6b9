// RAII over the SQLite C API: a connection, a prepared statement, a transaction. Every SQLite
// error becomes a store::StoreError whose kind says what the caller can do about it.
// Used only inside store/; not thread-safe by itself (MailStore serialises access).
//
// Statements are compiled once per connection: a Statement borrows the connection's compiled copy
// of its SQL text (compiling it the first time) and hands it back, reset, when it goes away.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/mail_store.hpp"

namespace store::sqlite {

/// Throws StoreError for a failed SQLite call: busy/locked/I/O → temporary, full → no_space,
/// not-a-database/corrupt → corrupt, anything else → temporary with the message.
[[noreturn]] void fail(sqlite3* db, int code, std::string_view doing);

/// SQLite's process-wide settings, applied once and before anything initializes the library
/// (sqlite3_config fails once it has): no allocation statistics. Everything in store/ that may be
/// first to touch SQLite (opening a connection, registering the VFS) calls this; later calls do
/// nothing.
void configure_library();
/// True when configure_library() came before the library's initialization and took effect.
bool library_configured();

class Database {
public:
    /// Opens path read-write (creating it only when create is true), through the named VFS
    /// (nullptr: SQLite's default).
    Database(const std::filesystem::path& path, bool create, const char* vfs = nullptr);
    Database(Database&&) noexcept = default;
    Database& operator=(Database&&) noexcept = default;

    sqlite3* get() const { return db_.get(); }
    /// Runs SQL without results (pragmas, DDL; several statements allowed). Throws StoreError.
    void exec(std::string_view sql);
    /// Runs one statement without results through the statement cache (BEGIN, COMMIT, ...).
    void run(std::string_view sql);
    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }
    int changes() const { return sqlite3_changes(db_.get()); }

private:
    friend class Statement;
    struct Closer {
        void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
    };
    struct Finalizer {
        void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
    };
    using CompiledStatement = std::unique_ptr<sqlite3_stmt, Finalizer>;
    /// A compiled statement for sql: the cached one if idle, else a newly compiled one.
    CompiledStatement borrow(std::string_view sql) const;
    /// Keeps a statement (already reset) for the next use of the same SQL.
    void give_back(std::string sql, CompiledStatement stmt) const;

    static constexpr std::size_t max_cached_statements = 256;
    std::unique_ptr<sqlite3, Closer> db_;
    // Declared after db_: destroyed (finalized) before the connection closes.
    mutable std::unordered_map<std::string, CompiledStatement> idle_statements_;
};

class Statement {
public:
    Statement(const Database& db, std::string_view sql);
    Statement(Statement&&) noexcept = default;
    Statement& operator=(Statement&&) = delete;
    ~Statement();

    /// Parameters are numbered from 1, as in SQL "?1".
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind_null(int index);

    /// Advances; true when a row is available, false when done. Throws StoreError.
    bool step();
    /// Runs a statement that returns no rows.
    void run() { step(); }
    /// Makes the statement reusable (bindings kept until rebound).
    void reset();

    std::int64_t int64(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
    std::string text(int column) const;
    std::string blob(int column) const;
    int bytes(int column) const { return sqlite3_column_bytes(stmt_.get(), column); }
    bool is_null(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }

private:
    const Database* owner_;
    sqlite3* db_;
    std::string sql_;
    Database::CompiledStatement stmt_;
};

/// Reads BLOB values of one column a piece at a time (sqlite3_blob_open): reading the start of
/// a large value touches only the pages that hold it. Moving to another row reuses the handle
/// (sqlite3_blob_reopen), which costs far less than opening one. Valid inside the caller's
/// transaction.
class BlobReader {
public:
    BlobReader(Database& db, const char* table, const char* column) : db_(db.get()), table_(table), column_(column) {}
    BlobReader(const BlobReader&) = delete;
    BlobReader& operator=(const BlobReader&) = delete;
    ~BlobReader() { sqlite3_blob_close(blob_); }
    /// Moves to row rowid; false when the table has no such row.
    bool open(std::int64_t rowid);
    /// The size of the current row's value.
    std::size_t size() const;
    /// Appends bytes [offset, offset + count) of the current value to out (clipped to its end).
    void read(std::size_t offset, std::size_t count, std::string& out) const;

private:
    sqlite3* db_;
    const char* table_;
    const char* column_;
    sqlite3_blob* blob_ = nullptr;  // null before the first open() and after a failed one
};

/// SAVEPOINT inside a transaction; rolls back to it on destruction unless released.
class Savepoint {
public:
    explicit Savepoint(Database& db);
    Savepoint(const Savepoint&) = delete;
    Savepoint& operator=(const Savepoint&) = delete;
    ~Savepoint();
    void release();

private:
    Database& db_;
    bool open_ = true;
};

/// BEGIN IMMEDIATE (write) or BEGIN (read); rolls back on destruction unless committed.
class Transaction {
public:
    enum class Mode { read, write };
    Transaction(Database& db, Mode mode);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    void commit();

private:
    Database& db_;
    bool open_ = true;
};

}  // namespace store::sqlite
