//! What DriftDock writes down: the audit log of every change it makes to the lab, recordings
//! of the screen (asciicast) and journals of the messages a run was fed, for replay.

pub mod audit;
pub mod cast;
pub mod journal;
pub mod redact;
