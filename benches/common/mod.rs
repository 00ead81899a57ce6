//! What the benchmarks share, each including this module (`mod common;` from `benches/*.rs`,
//! `#[path = "../common/mod.rs"] mod common;` from `benches/*/main.rs`): reading their options
//! (`args`), a bare HTTP/1.1 client for the load generators (`http1`), the scratch database of
//! a run (`scratch`), what a process costs from /proc (`procfs`), the runtime and logs of those
//! that run Rounds in their own process (`runtime`), and the words of the replies they write
//! (`words`).
//!
//! No benchmark uses all of it (the memory benchmark, for one, writes no replies), so dead code
//! is allowed in this module and only here: what one benchmark leaves unused, another uses.
#![allow(dead_code)]

pub mod args;
pub mod http1;
pub mod procfs;
pub mod runtime;
pub mod scratch;
pub mod words;
