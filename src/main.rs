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
    weigh::mem::return_large_blocks();
    weigh::cli::main_with_args(std::env::args_os())
}
