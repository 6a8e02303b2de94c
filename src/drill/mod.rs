//! Drills outside the state machine: the report a run leaves behind.

pub mod report;
