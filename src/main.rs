//! The `rounds` command: parse the command line and hand over to `rounds::cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    rounds::cli::main()
}
