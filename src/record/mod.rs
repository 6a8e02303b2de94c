//! What DriftDock writes down: the audit log of every change it makes to the lab.

pub mod audit;
