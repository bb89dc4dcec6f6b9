#include "store/sqlite.hpp"

namespace store::sqlite {

void fail(sqlite3* db, int code, std::string_view doing) {
    const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    std::string message = std::string(doing) + ": " + detail;
    using Kind = StoreError::Kind;
    switch (code & 0xff) {
        case SQLITE_FULL: throw StoreError(Kind::no_space, message);
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT: throw StoreError(Kind::corrupt, message);
        default:  // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_NOMEM, SQLITE_CANTOPEN ...
            throw StoreError(Kind::temporary, message);
    }
}

Database::Database(const std::filesystem::path& path, bool create) {
    sqlite3* raw = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) fail(raw, rc, "opening store " + path.string());
    sqlite3_extended_result_codes(raw, 1);
}

void Database::exec(std::string_view sql) {
    std::string text(sql);
    int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(db_.get(), rc, "executing " + text.substr(0, 60));
}

Statement::Statement(const Database& db, std::string_view sql) : db_(db.get()) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    stmt_.reset(raw);
    if (rc != SQLITE_OK) fail(db_, rc, "preparing " + std::string(sql.substr(0, 60)));
}

Statement& Statement::bind(int index, std::int64_t value) {
    int rc = sqlite3_bind_int64(stmt_.get(), index, value);
    if (rc != SQLITE_OK) fail(db_, rc, "binding");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    // An empty view may have a null data(): that would bind NULL, not ''.
    int rc = sqlite3_bind_text64(stmt_.get(), index, text.empty() ? "" : text.data(), text.size(), SQLITE_TRANSIENT,
                                 SQLITE_UTF8);
    if (rc != SQLITE_OK) fail(db_, rc, "binding");
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    // A zero-length blob must still be a blob, not NULL: pass a valid pointer.
    static const char empty = 0;
    int rc =
        sqlite3_bind_blob64(stmt_.get(), index, bytes.empty() ? &empty : bytes.data(), bytes.size(), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) fail(db_, rc, "binding");
    return *this;
}

Statement& Statement::bind_null(int index) {
    int rc = sqlite3_bind_null(stmt_.get(), index);
    if (rc != SQLITE_OK) fail(db_, rc, "binding");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string sql = sqlite3_sql(stmt_.get()) ? sqlite3_sql(stmt_.get()) : "";
    sqlite3_reset(stmt_.get());
    fail(db_, rc, "running " + sql.substr(0, 60));
}

void Statement::reset() { sqlite3_reset(stmt_.get()); }

std::string Statement::text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
    int size = sqlite3_column_bytes(stmt_.get(), column);
    return data ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::string Statement::blob(int column) const {
    const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_.get(), column));
    int size = sqlite3_column_bytes(stmt_.get(), column);
    return data ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

Savepoint::Savepoint(Database& db) : db_(db) { db_.exec("SAVEPOINT piece"); }

Savepoint::~Savepoint() {
    if (!open_) return;
    sqlite3_exec(db_.get(), "ROLLBACK TO piece", nullptr, nullptr, nullptr);
    sqlite3_exec(db_.get(), "RELEASE piece", nullptr, nullptr, nullptr);
}

void Savepoint::release() {
    db_.exec("RELEASE piece");
    open_ = false;
}

Transaction::Transaction(Database& db, Mode mode) : db_(db) {
    db_.exec(mode == Mode::write ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
    if (open_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    db_.exec("COMMIT");
    open_ = false;
}

}  // namespace store::sqlite
