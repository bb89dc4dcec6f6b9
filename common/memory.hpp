// How the daemons use glibc's allocator: per-connection threads allocate and free a little per
// command, and the allocator's defaults turn that into system calls.
#pragma once

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

}  // namespace maild
