//! The `rounds` command: parse the command line and hand over to `rounds::cli`.

use std::process::ExitCode;

/// mimalloc: fewer cycles in malloc and free under many concurrent deliveries than the system
/// allocator (measured with `benches/fanout.rs`, which uses it too; see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    rounds::process::keep_pages_small();
    rounds::cli::main()
}
