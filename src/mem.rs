//! What the allocator is told, on glibc: the index's large tables are freed and built piece by
//! piece, and glibc's defaults would keep the freed pages resident.

/// glibc maps a large allocation apart only until one is freed, then raises the bar to that
/// size and serves the next ones from its heaps, which keep freed pages resident. The index
/// frees a large layer's raw entries block by block while it merges them; with the bar fixed
/// at 1 MiB each freed block goes back to the system at once, and the peak is lower by what
/// the merge would otherwise hold twice. Call it first thing in `main`.
pub fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; no allocation is in flight on another
    // thread this early.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Gives back the pages of freed small allocations in the middle of the heaps: glibc only
/// returns what is freed at their top. After a phase that built and dropped many small
/// pieces (parsing a lock file of tens of thousands of packages), the next phase would
/// otherwise peak on top of pages that hold nothing.
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}
