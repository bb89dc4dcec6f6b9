#include "store/wal_write_buffer.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "store/sqlite.hpp"

namespace store::sqlite {

namespace {

/// Bytes gathered before they are written anyway (a commit of a few 64 KB messages fits).
constexpr std::size_t max_pending_bytes = 1024 * 1024;
/// The most the default VFS writes in one call: it takes a write's size modulo 128 KiB.
constexpr std::size_t max_write_bytes = 64 * 1024;

/// A checkpoint's reads of the WAL come from chunks this big, once they run in log order.
constexpr std::size_t read_ahead_bytes = 256 * 1024;
/// A read this far past the end of the one before (a frame's header lies between) still follows on.
constexpr sqlite3_int64 frame_header_bytes = 24;

/// Writes not yet passed on: one run of bytes starting at offset.
struct Pending {
    sqlite3_int64 offset = 0;
    std::vector<char> bytes;
};

/// What a WAL held at offset, read ahead for the checkpoint under way (see read_ahead).
struct ReadAhead {
    sqlite3_int64 offset = 0;
    std::size_t length = 0;
    std::unique_ptr<char[]> bytes;  // read_ahead_bytes, made at the checkpoint's first chunk
    sqlite3_int64 log_size = -1;    // the WAL's size at the checkpoint's first read; -1 before it
    sqlite3_int64 last_end = -1;    // where the checkpoint's last read ended
};

/// A WAL's own state, beside the default VFS's file.
struct WalState {
    Pending pending;  // gathered writes
    ReadAhead ahead;  // only while a checkpoint is under way
};

/// A file we stand in front of, as SQLite sees it: our methods, the default VFS's file right
/// behind. Two kinds: a WAL, whose writes are gathered, and a store file, watched for the release
/// of the WAL write lock and for checkpoints. SQLite allocates szOsFile bytes for it and calls no
/// constructor: a WAL's WalState is owned through a pointer made in open and freed in close.
struct Wrapped {
    sqlite3_file base;
    sqlite3_file* real;
    WalState* wal;       // a WAL's gathered bytes and read-ahead
    Wrapped* partner;    // a WAL's store file and a store file's WAL, of one connection
    const char* name;    // a store file's name as SQLite passed it: its key in open_stores()
    bool checkpointing;  // a store file: between SQLITE_FCNTL_CKPT_START and SQLITE_FCNTL_CKPT_DONE
};

constexpr std::size_t real_file_offset = (sizeof(Wrapped) + 15) / 16 * 16;

sqlite3_vfs* default_vfs() {
    static sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
    return vfs;
}

Wrapped& wrapped(sqlite3_file* file) { return *reinterpret_cast<Wrapped*>(file); }
sqlite3_file* real(sqlite3_file* file) { return wrapped(file).real; }

/// The store files open through this VFS, by the name pointer SQLite gave their xOpen. A WAL's
/// name leads back to that same pointer (sqlite3_filename_database): SQLite keeps a connection's
/// store, journal and WAL names in one block. So a WAL finds the store file of its own connection.
struct OpenStores {
    std::mutex mutex;
    std::unordered_map<const char*, Wrapped*> by_name;
};

OpenStores& open_stores() {
    static OpenStores stores;
    return stores;
}

int flush(sqlite3_file* file) {
    Pending& pending = wrapped(file).wal->pending;
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
    Wrapped& wal = wrapped(file);
    std::unique_ptr<WalState> owned(wal.wal);
    wal.wal = nullptr;
    if (wal.partner) wal.partner->partner = nullptr;  // the store file stays open: SQLite closes a WAL first
    return flushed != SQLITE_OK ? flushed : rc;
}

/// A checkpoint's read of one frame's page, from a chunk read ahead. False when it cannot be
/// served that way (the caller then reads as usual).
///
/// Between SQLITE_FCNTL_CKPT_START and SQLITE_FCNTL_CKPT_DONE on its store file, SQLite copies
/// the newest frame of each page into the store file, a page per read, in page order: on a log of
/// 1,000 frames, up to 1,000 reads. Where the pages of the log were written in page order (new
/// messages' bytes), those reads run through the log from start to end. Every frame it reads was committed before the
/// checkpoint began, and none of them changes before it ends: writers only append after them, and the log starts over
/// only once a checkpoint has copied everything. So a chunk read during the checkpoint holds the
/// same bytes as a read of each of those frames would. Bytes past the checkpoint's frames (a frame
/// another process is appending) may be read into a chunk too, but the checkpoint never asks for
/// them, and the chunk is dropped when the checkpoint ends.
bool read_ahead(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset, int& rc) {
    Wrapped& wal = wrapped(file);
    if (!wal.partner || !wal.partner->checkpointing || amount <= 0) return false;
    ReadAhead& ahead = wal.wal->ahead;
    const auto size = static_cast<sqlite3_int64>(amount);
    if (ahead.log_size < 0) {
        rc = real(file)->pMethods->xFileSize(real(file), &ahead.log_size);
        if (rc != SQLITE_OK) {
            ahead.log_size = -1;
            return true;
        }
    }
    // Not a frame the checkpoint began with, or bigger than a chunk: read as usual.
    if (offset < 0 || offset + size > ahead.log_size || amount > static_cast<int>(read_ahead_bytes)) return false;
    const bool held =
        offset >= ahead.offset && offset + size <= ahead.offset + static_cast<sqlite3_int64>(ahead.length);
    // Pages come in page order, which is log order only where pages were written in order (a
    // message's body); a mailbox's pages changed over and over sit anywhere in the log. A chunk is
    // read only for a read that follows on from the one before, and a read elsewhere leaves it be.
    const bool follows_on =
        ahead.last_end >= 0 && offset >= ahead.last_end && offset <= ahead.last_end + frame_header_bytes;
    ahead.last_end = offset + size;
    if (!held) {
        if (!follows_on) return false;
        ahead.length = 0;
        if (!ahead.bytes) {
            try {
                ahead.bytes = std::make_unique_for_overwrite<char[]>(read_ahead_bytes);
            } catch (const std::bad_alloc&) {
                return false;
            }
        }
        const auto chunk =
            static_cast<int>(std::min(static_cast<sqlite3_int64>(read_ahead_bytes), ahead.log_size - offset));
        rc = real(file)->pMethods->xRead(real(file), ahead.bytes.get(), chunk, offset);
        if (rc != SQLITE_OK) return false;  // (a short read zero-fills) read just the page instead
        ahead.offset = offset;
        ahead.length = static_cast<std::size_t>(chunk);
    }
    std::memcpy(buffer, ahead.bytes.get() + (offset - ahead.offset), static_cast<std::size_t>(amount));
    rc = SQLITE_OK;
    return true;
}

/// Forgets what was read ahead: the checkpoint is over.
void drop_read_ahead(Wrapped& wal) {
    ReadAhead& ahead = wal.wal->ahead;
    ahead.bytes.reset();
    ahead.length = 0;
    ahead.offset = 0;
    ahead.log_size = -1;
    ahead.last_end = -1;
}

int wal_read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
    if (int rc = flush(file); rc != SQLITE_OK) return rc;
    if (int rc = SQLITE_OK; read_ahead(file, buffer, amount, offset, rc)) return rc;
    return real(file)->pMethods->xRead(real(file), buffer, amount, offset);
}

int wal_write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
    Pending& pending = wrapped(file).wal->pending;
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

// Calls passed on as they are, for both kinds of file.
int pass_lock(sqlite3_file* file, int level) { return real(file)->pMethods->xLock(real(file), level); }
int pass_unlock(sqlite3_file* file, int level) { return real(file)->pMethods->xUnlock(real(file), level); }
int pass_check_reserved_lock(sqlite3_file* file, int* out) {
    return real(file)->pMethods->xCheckReservedLock(real(file), out);
}
int pass_sector_size(sqlite3_file* file) { return real(file)->pMethods->xSectorSize(real(file)); }
int pass_device_characteristics(sqlite3_file* file) { return real(file)->pMethods->xDeviceCharacteristics(real(file)); }
int pass_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
    return real(file)->pMethods->xShmMap(real(file), region, size, extend, out);
}
int pass_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
    return real(file)->pMethods->xShmLock(real(file), offset, n, flags);
}
void pass_shm_barrier(sqlite3_file* file) { real(file)->pMethods->xShmBarrier(real(file)); }
int pass_shm_unmap(sqlite3_file* file, int delete_flag) {
    return real(file)->pMethods->xShmUnmap(real(file), delete_flag);
}
int pass_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
    return real(file)->pMethods->xUnfetch(real(file), offset, page);
}

int wal_file_control(sqlite3_file* file, int op, void* arg) {
    if (int rc = flush(file); rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xFileControl(real(file), op, arg);
}
int wal_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
    if (int rc = flush(file); rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xFetch(real(file), offset, amount, out);
}

const sqlite3_io_methods wal_methods = {
    3,
    wal_close,
    wal_read,
    wal_write,
    wal_truncate,
    wal_sync,
    wal_file_size,
    pass_lock,
    pass_unlock,
    pass_check_reserved_lock,
    wal_file_control,
    pass_sector_size,
    pass_device_characteristics,
    pass_shm_map,  // SQLite keeps the shared memory on the store file and never maps a WAL
    pass_shm_lock,
    pass_shm_barrier,
    pass_shm_unmap,
    wal_fetch,
    pass_unfetch,
};

/// The WAL write lock, the first of the locks SQLite keeps in the shared memory (WAL_WRITE_LOCK).
constexpr int wal_write_lock = 0;

int store_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
    // What the WAL gathered is written before its write lock is released. Held past that, another
    // connection could commit where those bytes go, and they would then overwrite its commit.
    // A commit has no bytes left by then (its sync wrote them), but a transaction that spilled
    // pages into the WAL and was rolled back does.
    int flushed = SQLITE_OK;
    Wrapped* wal = wrapped(file).partner;
    if (wal && (flags & SQLITE_SHM_UNLOCK) && offset <= wal_write_lock && wal_write_lock < offset + n) {
        flushed = flush(&wal->base);
    }
    int rc = real(file)->pMethods->xShmLock(real(file), offset, n, flags);
    return rc != SQLITE_OK ? rc : flushed;
}

int store_close(sqlite3_file* file) {
    Wrapped& store = wrapped(file);
    {
        std::lock_guard lock(open_stores().mutex);
        open_stores().by_name.erase(store.name);
    }
    if (store.partner) store.partner->partner = nullptr;
    return real(file)->pMethods->xClose(real(file));
}
int store_read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
    return real(file)->pMethods->xRead(real(file), buffer, amount, offset);
}
int store_write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
    return real(file)->pMethods->xWrite(real(file), buffer, amount, offset);
}
int store_truncate(sqlite3_file* file, sqlite3_int64 size) { return real(file)->pMethods->xTruncate(real(file), size); }
int store_sync(sqlite3_file* file, int flags) { return real(file)->pMethods->xSync(real(file), flags); }
int store_file_size(sqlite3_file* file, sqlite3_int64* size) {
    return real(file)->pMethods->xFileSize(real(file), size);
}
int store_file_control(sqlite3_file* file, int op, void* arg) {
    Wrapped& store = wrapped(file);
    if (op == SQLITE_FCNTL_CKPT_START || op == SQLITE_FCNTL_CKPT_DONE) {
        store.checkpointing = op == SQLITE_FCNTL_CKPT_START;
        if (store.partner) drop_read_ahead(*store.partner);
    }
    return real(file)->pMethods->xFileControl(real(file), op, arg);
}
int store_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
    return real(file)->pMethods->xFetch(real(file), offset, amount, out);
}

const sqlite3_io_methods store_methods = {
    3,
    store_close,
    store_read,
    store_write,
    store_truncate,
    store_sync,
    store_file_size,
    pass_lock,
    pass_unlock,
    pass_check_reserved_lock,
    store_file_control,
    pass_sector_size,
    pass_device_characteristics,
    pass_shm_map,
    store_shm_lock,
    pass_shm_barrier,
    pass_shm_unmap,
    store_fetch,
    pass_unfetch,
};

/// Opens the default VFS's file behind ours; false (and the file opened in place instead, as the
/// default VFS's own) if it is not the unix VFS file we know.
int open_behind(const char* name, sqlite3_file* file, int flags, int* out_flags, bool& behind) {
    sqlite3_vfs* base = default_vfs();
    auto* inner = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + real_file_offset);
    file->pMethods = nullptr;  // SQLite calls no close on a file whose open failed
    int rc = base->xOpen(base, name, inner, flags, out_flags);
    if (rc != SQLITE_OK) return rc;
    behind = inner->pMethods->iVersion >= 3;
    if (!behind) {
        inner->pMethods->xClose(inner);
        return base->xOpen(base, name, file, flags, out_flags);
    }
    Wrapped& opened = wrapped(file);
    opened.real = inner;
    opened.wal = nullptr;
    opened.partner = nullptr;
    opened.name = name;
    opened.checkpointing = false;
    return SQLITE_OK;
}

int open_store(const char* name, sqlite3_file* file, int flags, int* out_flags) {
    bool behind = false;
    int rc = open_behind(name, file, flags, out_flags, behind);
    if (rc != SQLITE_OK || !behind) return rc;
    try {
        std::lock_guard lock(open_stores().mutex);
        open_stores().by_name[name] = &wrapped(file);
    } catch (const std::bad_alloc&) {
        real(file)->pMethods->xClose(real(file));
        return SQLITE_NOMEM;
    }
    file->pMethods = &store_methods;
    return SQLITE_OK;
}

int open_wal(const char* name, sqlite3_file* file, int flags, int* out_flags) {
    Wrapped* store = nullptr;
    {
        std::lock_guard lock(open_stores().mutex);
        auto found = open_stores().by_name.find(sqlite3_filename_database(name));
        if (found != open_stores().by_name.end() && !found->second->partner) store = found->second;
    }
    sqlite3_vfs* base = default_vfs();
    // Without its store file we would not see the write lock released: write through instead.
    if (!store) return base->xOpen(base, name, file, flags, out_flags);
    bool behind = false;
    int rc = open_behind(name, file, flags, out_flags, behind);
    if (rc != SQLITE_OK || !behind) return rc;
    std::unique_ptr<WalState> state;
    try {
        state = std::make_unique<WalState>();
        state->pending.bytes.reserve(64 * 1024);
    } catch (const std::bad_alloc&) {
        real(file)->pMethods->xClose(real(file));
        return SQLITE_NOMEM;
    }
    Wrapped& wal = wrapped(file);
    wal.wal = state.release();  // freed by wal_close
    wal.partner = store;
    store->partner = &wal;
    file->pMethods = &wal_methods;
    return SQLITE_OK;
}

int open_file(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    if (name && (flags & SQLITE_OPEN_MAIN_DB)) return open_store(name, file, flags, out_flags);
    if (name && (flags & SQLITE_OPEN_WAL)) return open_wal(name, file, flags, out_flags);
    // Anything else (temporary files, journals): the default VFS's own file, in place (our
    // szOsFile leaves it room).
    sqlite3_vfs* base = default_vfs();
    return base->xOpen(base, name, file, flags, out_flags);
}

}  // namespace

bool gathers_writes(const sqlite3_file* file) { return file && file->pMethods == &wal_methods; }

const char* wal_write_buffer_vfs() {
    static sqlite3_vfs vfs;
    static std::once_flag registered;
    std::call_once(registered, [] {
        configure_library();  // before default_vfs(), which initializes SQLite
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
