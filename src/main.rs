//! The `fixture-kit` command; see `fixture-kit --help`.

fn main() -> std::process::ExitCode {
    fixture_kit::cli::main()
}
