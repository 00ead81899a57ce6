//! Rounds: the federated discussion server of the Society for Participatory Medicine.
//!
//! `main.rs` only parses the command line; everything else lives here so that tests and other
//! binaries reuse it. See `docs/ARCHITECTURE.md` for the map.

// Remote data must never reach an unwrap or expect: the library code has none (tests may).
#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod delivery;
pub mod error;
pub mod federation;
pub mod model;
pub mod process;
pub mod render;
pub mod service;
pub mod state;
pub mod web;
