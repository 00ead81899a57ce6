//! Reading a benchmark's command line: each benchmark's `options()` keeps its own options and
//! defaults and matches their names; this walks the arguments and reads the values.

use std::{fmt::Debug, str::FromStr};

/// The arguments after the program name, one at a time. An option that takes a value reads it
/// with [`Args::value`] or [`Args::parse`]; an argument a benchmark does not know is skipped on
/// its own (`cargo bench` passes `--bench`).
pub struct Args(std::iter::Skip<std::env::Args>);

impl Args {
    /// This process's arguments.
    pub fn from_env() -> Args {
        Args(std::env::args().skip(1))
    }

    /// The next argument (an option's name), or `None` after the last.
    pub fn next_name(&mut self) -> Option<String> {
        self.0.next()
    }

    /// The argument after the option just read: its value (empty when there is none).
    pub fn value(&mut self) -> String {
        self.0.next().unwrap_or_default()
    }

    /// The value, parsed; panics with `what` (the option and what it takes, as `--replies N`)
    /// when it does not parse.
    pub fn parse<T>(&mut self, what: &str) -> T
    where
        T: FromStr,
        T::Err: Debug,
    {
        self.value().parse().expect(what)
    }
}
