//! What happened during a drill, in order, each with the figures as they stood.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Phase,
    Step,
    Fault,
    /// The first hypothesis check red after the fault.
    Detected,
    Recovered,
    Objective,
    Rollback,
    Bad,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Phase => "phase",
            Kind::Step => "step",
            Kind::Fault => "fault",
            Kind::Detected => "detected",
            Kind::Recovered => "recovered",
            Kind::Objective => "objective",
            Kind::Rollback => "rollback",
            Kind::Bad => "problem",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub at: DateTime<Utc>,
    /// Seconds since the drill started.
    pub elapsed: f64,
    pub kind: Kind,
    pub text: String,
    /// Every figure the drill reads, as it stood (None: unknown).
    pub figures: Vec<(String, Option<f64>)>,
}
