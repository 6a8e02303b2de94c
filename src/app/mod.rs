//! The state machine: no I/O, no async, no terminal. Everything here is tested as plain Rust.

pub mod backup;
pub mod backups;
pub mod canary;
pub mod chaos;
pub mod drill;
pub mod fault;
pub mod fixture;
pub mod guard;
mod ingest;
pub mod keymap;
pub mod msg;
pub mod plan;
pub mod series;
pub mod show;
pub mod start;
pub mod state;
pub mod update;

pub use msg::{Msg, Reading, Sample, Source};
pub use state::State;
pub use update::{update, Command};
