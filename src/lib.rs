//! DriftDock: a terminal control room for a local DevOps lab.
//!
//! `app` is the pure state machine, `ui` draws it, `probes` and `effects` do the I/O, and
//! `runtime` wires them together around one channel of `app::Msg`.

pub mod app;
pub mod config;
pub mod demo;
pub mod drill;
pub mod effects;
pub mod probes;
pub mod record;
pub mod replay;
pub mod runtime;
pub mod terminal;
pub mod ui;
