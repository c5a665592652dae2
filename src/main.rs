fn main() -> std::process::ExitCode {
    // A panic is a bug, but the input may have provoked it (a hostile registry can make a
    // library panic): say it in one line and exit like any other input error, without a
    // backtrace. The TUI's own hook restores the terminal before this one runs.
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("weigh: internal error: {}{at}; please report it", what.replace('\n', " "));
        std::process::exit(2);
    }));
    return_large_blocks();
    weigh::cli::main_with_args(std::env::args_os())
}

/// glibc maps a large allocation apart only until one is freed, then raises the bar to that
/// size and serves the next ones from its heaps, which keep freed pages resident. The index
/// frees a large layer's raw entries block by block while it merges them; with the bar fixed
/// at 1 MiB each freed block goes back to the system at once, and the peak is lower by what
/// the merge would otherwise hold twice.
fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; no allocation is in flight on another
    // thread this early.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
