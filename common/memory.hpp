// How the daemons use glibc's allocator: per-connection threads allocate and free a little per
// command, and the allocator's defaults turn that into system calls.
#pragma once

#include <cstddef>
#include <vector>

namespace maild {

/// Keeps up to a few MiB of freed memory in each allocator arena instead of returning it to the
/// system after every message, and serves allocations of that size from the arenas instead of
/// mmap/munmap. Both returns cost a TLB shootdown across every core the daemon runs on, per
/// free. Settings given in GLIBC_TUNABLES win. Call once, before the first thread starts.
void configure_allocator();

/// Hands memory that ended sessions freed back to the system once no connection is left, at most
/// every 10 s: glibc keeps freed memory in its per-thread arenas, so without this a burst of
/// sessions leaves its peak RSS behind for good. Safe from any thread.
void release_memory_when_idle();

/// Buffers at least this big are worth backing with huge pages (and, with configure_allocator(),
/// get a mapping of their own, so the advice covers nothing else).
constexpr std::size_t huge_page_worthy_bytes = 4 * 1024 * 1024;

/// Asks the kernel to back the whole 4 KiB pages of [data, data + bytes) with transparent huge
/// pages, when bytes is at least huge_page_worthy_bytes. Call it before the buffer is first
/// written: a fresh buffer of 100,000 listing entries (8 MiB) then costs 4 page faults instead of
/// 2,000, which on a virtual machine is most of the time taken to fill it. A no-op where huge
/// pages are off, and no change where they are always on.
void prefer_huge_pages(void* data, std::size_t bytes);

/// Reserves room for count elements in an empty vector, on huge pages if it is big enough.
template <class T>
void reserve_preferring_huge_pages(std::vector<T>& vector, std::size_t count) {
    vector.reserve(count);
    prefer_huge_pages(vector.data(), vector.capacity() * sizeof(T));
}

}  // namespace maild
