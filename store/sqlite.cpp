#include "store/sqlite.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>

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

namespace {
std::atomic<bool> configured_in_time{false};
}

void configure_library() {
    static std::once_flag once;
    std::call_once(once, [] {
        // SQLite's allocation statistics take a process-wide mutex on every malloc: with many
        // session threads that lock is contended, and we never read the statistics.
        bool ok = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
        configured_in_time = ok;
    });
}

bool library_configured() { return configured_in_time; }

Database::Database(const std::filesystem::path& path, bool create, const char* vfs) {
    configure_library();
    sqlite3* raw = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs);
    db_.reset(raw);
    if (rc != SQLITE_OK) fail(raw, rc, "opening store " + path.string());
    sqlite3_extended_result_codes(raw, 1);
}

void Database::exec(std::string_view sql) {
    std::string text(sql);
    int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(db_.get(), rc, "executing " + text.substr(0, 60));
}

void Database::run(std::string_view sql) {
    Statement s(*this, sql);
    while (s.step()) {
    }
}

Database::CompiledStatement Database::borrow(std::string_view sql) const {
    if (auto it = idle_statements_.find(std::string(sql)); it != idle_statements_.end()) {
        CompiledStatement stmt = std::move(it->second);
        idle_statements_.erase(it);
        return stmt;
    }
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw,
                                nullptr);
    CompiledStatement stmt(raw);
    if (rc != SQLITE_OK) fail(db_.get(), rc, "preparing " + std::string(sql.substr(0, 60)));
    return stmt;
}

void Database::give_back(std::string sql, CompiledStatement stmt) const {
    if (idle_statements_.size() >= max_cached_statements) return;  // finalized instead
    idle_statements_.try_emplace(std::move(sql), std::move(stmt));
}

Statement::Statement(const Database& db, std::string_view sql)
    : owner_(&db), db_(db.get()), sql_(sql), stmt_(db.borrow(sql)) {}

Statement::~Statement() {
    if (!stmt_) return;  // moved from
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
    owner_->give_back(std::move(sql_), std::move(stmt_));
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

Savepoint::Savepoint(Database& db) : db_(db) { db_.run("SAVEPOINT piece"); }

Savepoint::~Savepoint() {
    if (!open_) return;
    sqlite3_exec(db_.get(), "ROLLBACK TO piece", nullptr, nullptr, nullptr);
    sqlite3_exec(db_.get(), "RELEASE piece", nullptr, nullptr, nullptr);
}

void Savepoint::release() {
    db_.run("RELEASE piece");
    open_ = false;
}

Transaction::Transaction(Database& db, Mode mode) : db_(db) {
    db_.run(mode == Mode::write ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
    if (open_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    db_.run("COMMIT");
    open_ = false;
}

bool BlobReader::open(std::int64_t rowid) {
    int rc =
        blob_ ? sqlite3_blob_reopen(blob_, rowid) : sqlite3_blob_open(db_, "main", table_, column_, rowid, 0, &blob_);
    if (rc == SQLITE_OK) return true;
    sqlite3_blob_close(blob_);  // a handle that failed to move is aborted for good
    blob_ = nullptr;
    if (rc == SQLITE_ERROR) return false;  // the table and column are ours: what is missing is the row
    fail(db_, rc, std::string("reading a value of ") + table_);
}

std::size_t BlobReader::size() const { return blob_ ? static_cast<std::size_t>(sqlite3_blob_bytes(blob_)) : 0; }

void BlobReader::read(std::size_t offset, std::size_t count, std::string& out) const {
    const std::size_t total = size();
    if (!blob_ || offset >= total) return;
    count = std::min(count, total - offset);
    const std::size_t at = out.size();
    out.resize(at + count);
    int rc = sqlite3_blob_read(blob_, out.data() + at, static_cast<int>(count), static_cast<int>(offset));
    if (rc != SQLITE_OK) {
        out.resize(at);
        fail(db_, rc, "reading a blob");
    }
}

}  // namespace store::sqlite
