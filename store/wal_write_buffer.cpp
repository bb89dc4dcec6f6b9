#include "store/wal_write_buffer.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace store::sqlite {

namespace {

/// Bytes gathered before they are written anyway (a commit of a few 64 KB messages fits).
constexpr std::size_t max_pending_bytes = 1024 * 1024;
/// The most the default VFS writes in one call: it takes a write's size modulo 128 KiB.
constexpr std::size_t max_write_bytes = 64 * 1024;

/// Writes not yet passed on: one run of bytes starting at offset.
struct Pending {
    sqlite3_int64 offset = 0;
    std::vector<char> bytes;
};

/// A WAL file as SQLite sees it: our methods, the default VFS's file right behind, and what is
/// pending. SQLite allocates szOsFile bytes for it and calls no constructor: Pending is owned
/// through a pointer made in open and freed in close.
struct WalFile {
    sqlite3_file base;
    sqlite3_file* real;
    Pending* pending;
};

constexpr std::size_t real_file_offset = (sizeof(WalFile) + 15) / 16 * 16;

sqlite3_vfs* default_vfs() {
    static sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
    return vfs;
}

WalFile& wal(sqlite3_file* file) { return *reinterpret_cast<WalFile*>(file); }
sqlite3_file* real(sqlite3_file* file) { return wal(file).real; }

int flush(sqlite3_file* file) {
    Pending& pending = *wal(file).pending;
    if (pending.bytes.empty()) return SQLITE_OK;
    int rc = SQLITE_OK;
    for (std::size_t done = 0; done < pending.bytes.size() && rc == SQLITE_OK; done += max_write_bytes) {
        const std::size_t piece = std::min(max_write_bytes, pending.bytes.size() - done);
        rc = real(file)->pMethods->xWrite(real(file), pending.bytes.data() + done, static_cast<int>(piece),
                                          pending.offset + static_cast<sqlite3_int64>(done));
    }
    pending.bytes.clear();
    return rc;
}

int wal_close(sqlite3_file* file) {
    int flushed = flush(file);
    int rc = real(file)->pMethods->xClose(real(file));
    std::unique_ptr<Pending> owned(wal(file).pending);
    wal(file).pending = nullptr;
    return flushed != SQLITE_OK ? flushed : rc;
}

int wal_read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
    if (int rc = flush(file); rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xRead(real(file), buffer, amount, offset);
}

int wal_write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
    Pending& pending = *wal(file).pending;
    const auto size = static_cast<std::size_t>(amount);
    const bool follows_on = !pending.bytes.empty() &&
                            offset == pending.offset + static_cast<sqlite3_int64>(pending.bytes.size()) &&
                            pending.bytes.size() + size <= max_pending_bytes;
    if (!follows_on) {
        if (int rc = flush(file); rc != SQLITE_OK) return rc;
        if (size > max_pending_bytes) return real(file)->pMethods->xWrite(real(file), buffer, amount, offset);
        pending.offset = offset;
    }
    const char* bytes = static_cast<const char*>(buffer);
    try {
        pending.bytes.insert(pending.bytes.end(), bytes, bytes + size);
    } catch (const std::bad_alloc&) {
        if (int rc = flush(file); rc != SQLITE_OK) return rc;  // no room: write it through instead
        return real(file)->pMethods->xWrite(real(file), buffer, amount, offset);
    }
    return SQLITE_OK;
}

int wal_truncate(sqlite3_file* file, sqlite3_int64 size) {
    if (int rc = flush(file); rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xTruncate(real(file), size);
}

int wal_sync(sqlite3_file* file, int flags) {
    if (int rc = flush(file); rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xSync(real(file), flags);
}

int wal_file_size(sqlite3_file* file, sqlite3_int64* size) {
    if (int rc = flush(file); rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xFileSize(real(file), size);
}

int wal_lock(sqlite3_file* file, int level) { return real(file)->pMethods->xLock(real(file), level); }
int wal_unlock(sqlite3_file* file, int level) { return real(file)->pMethods->xUnlock(real(file), level); }
int wal_check_reserved_lock(sqlite3_file* file, int* out) {
    return real(file)->pMethods->xCheckReservedLock(real(file), out);
}

int wal_file_control(sqlite3_file* file, int op, void* arg) {
    if (int rc = flush(file); rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xFileControl(real(file), op, arg);
}

int wal_sector_size(sqlite3_file* file) { return real(file)->pMethods->xSectorSize(real(file)); }
int wal_device_characteristics(sqlite3_file* file) { return real(file)->pMethods->xDeviceCharacteristics(real(file)); }

// SQLite keeps a WAL's shared memory on the store file and never maps a WAL, but the methods are
// passed on for completeness.
int wal_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
    return real(file)->pMethods->xShmMap(real(file), region, size, extend, out);
}
int wal_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
    return real(file)->pMethods->xShmLock(real(file), offset, n, flags);
}
void wal_shm_barrier(sqlite3_file* file) { real(file)->pMethods->xShmBarrier(real(file)); }
int wal_shm_unmap(sqlite3_file* file, int delete_flag) {
    return real(file)->pMethods->xShmUnmap(real(file), delete_flag);
}
int wal_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
    if (int rc = flush(file); rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xFetch(real(file), offset, amount, out);
}
int wal_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
    return real(file)->pMethods->xUnfetch(real(file), offset, page);
}

const sqlite3_io_methods wal_methods = {
    3,
    wal_close,
    wal_read,
    wal_write,
    wal_truncate,
    wal_sync,
    wal_file_size,
    wal_lock,
    wal_unlock,
    wal_check_reserved_lock,
    wal_file_control,
    wal_sector_size,
    wal_device_characteristics,
    wal_shm_map,
    wal_shm_lock,
    wal_shm_barrier,
    wal_shm_unmap,
    wal_fetch,
    wal_unfetch,
};

int open_file(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    sqlite3_vfs* base = default_vfs();
    if (!(flags & SQLITE_OPEN_WAL)) {
        // Not a WAL: the default VFS's own file, in place (our szOsFile leaves it room).
        return base->xOpen(base, name, file, flags, out_flags);
    }
    auto* inner = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + real_file_offset);
    file->pMethods = nullptr;  // SQLite calls no close on a file whose open failed
    int rc = base->xOpen(base, name, inner, flags, out_flags);
    if (rc != SQLITE_OK) return rc;
    if (inner->pMethods->iVersion < 3) {  // not the unix VFS we know: use its file as it is
        inner->pMethods->xClose(inner);
        return base->xOpen(base, name, file, flags, out_flags);
    }
    std::unique_ptr<Pending> pending;
    try {
        pending = std::make_unique<Pending>();
        pending->bytes.reserve(64 * 1024);
    } catch (const std::bad_alloc&) {
        inner->pMethods->xClose(inner);
        return SQLITE_NOMEM;
    }
    WalFile& opened = wal(file);
    opened.real = inner;
    opened.pending = pending.release();  // freed by wal_close
    opened.base.pMethods = &wal_methods;
    return SQLITE_OK;
}

}  // namespace

const char* wal_write_buffer_vfs() {
    static sqlite3_vfs vfs;
    static std::once_flag registered;
    std::call_once(registered, [] {
        sqlite3_vfs* base = default_vfs();
        vfs = *base;  // every other call goes to the default VFS as it is
        vfs.pNext = nullptr;
        vfs.zName = "maild-wal-write-buffer";
        vfs.szOsFile = static_cast<int>(real_file_offset) + base->szOsFile;
        vfs.xOpen = open_file;
        sqlite3_vfs_register(&vfs, 0);
    });
    return vfs.zName;
}

}  // namespace store::sqlite
