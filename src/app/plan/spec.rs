//! What a plan is made of and what it answers with.

use crate::app::guard::Guard;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub weight: u8,
    pub hold: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlanSpec {
    pub name: String,
    pub steps: Vec<Step>,
    pub guard: Guard,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The step's weight was asked for; waiting for the gateway to report it.
    Applying,
    Holding,
    /// Waiting for the gateway to report 100%.
    Promoting,
    Done,
    /// Waiting for the gateway to report 0%.
    Aborting,
    Aborted,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Applying => "applying",
            Phase::Holding => "holding",
            Phase::Promoting => "promoting",
            Phase::Done => "done",
            Phase::Aborting => "aborting",
            Phase::Aborted => "aborted",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecisionKind {
    /// A step, a pause, a resume: the plan's own doing.
    Info,
    Healthy,
    /// Too little v2 traffic to judge.
    NoData,
    Breach,
    /// Aborted or failed.
    Bad,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub at: DateTime<Utc>,
    pub kind: DecisionKind,
    pub text: String,
}

/// What the plan wants done.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    /// Set the split; `what` names the audit line, `detail` goes into it.
    Set {
        to: u8,
        what: &'static str,
        detail: Value,
    },
    /// An audit line for a change of the plan itself (start, pause, resume, done).
    Audit {
        what: &'static str,
        detail: Value,
    },
    Toast {
        error: bool,
        text: String,
    },
}
