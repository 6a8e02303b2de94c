//! What a plan is made of and what it answers with.

use crate::app::guard::Guard;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub weight: u8,
    #[serde(
        rename = "hold_ms",
        serialize_with = "ser_ms",
        deserialize_with = "de_ms"
    )]
    pub hold: Duration,
}

fn ser_ms<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(d.num_milliseconds())
}

fn de_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    i64::deserialize(d).map(Duration::milliseconds)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
