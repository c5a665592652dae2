fn main() -> std::process::ExitCode {
    weigh::cli::main_with_args(std::env::args_os())
}
