fn main() -> std::process::ExitCode {
    comptoir::cli::main()
}
