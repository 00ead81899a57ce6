//! Settings of the whole process, made once at start by `main` (and by the benchmarks that run
//! Rounds in their own process, so that their figures are the server's).

/// Transparent huge pages off for this process. mimalloc commits its first arena at once, and on
/// a kernel whose THP setting is `always` that arena is backed by 2 MiB pages: most of an idle
/// server's resident memory was huge pages it had barely touched (24 of 39 MiB on SQLite;
/// measured with `benches/memory.rs`, see docs/performance.md, Memory). Rounds' heap is small and
/// its hot data fits ordinary pages.
#[cfg(target_os = "linux")]
pub fn keep_pages_small() {
    // SAFETY: prctl(PR_SET_THP_DISABLE) only sets a flag on this process's address space; it
    // reads and writes no memory of ours. Failure (an old kernel) changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Elsewhere there is nothing to do.
#[cfg(not(target_os = "linux"))]
pub fn keep_pages_small() {}
