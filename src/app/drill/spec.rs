//! What a drill file says, once parsed and checked: the steady-state hypothesis, the method,
//! the objectives and the rollbacks.

use super::figure::Figure;
use crate::app::backup::Kind;
use crate::app::fault::FaultSpec;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cmp {
    Below(f64),
    Above(f64),
    Equals(f64),
    AtLeast(f64),
    AtMost(f64),
    /// At least the figure's value when the baseline began, after the setup (a count that
    /// must not go back).
    AtLeastStart,
}

/// A condition on one live figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub figure: Figure,
    pub cmp: Cmp,
}

impl Check {
    /// Whether `value` passes; `start` is the figure's value when the drill started.
    pub fn passes(&self, value: f64, start: Option<f64>) -> Option<bool> {
        Some(match self.cmp {
            Cmp::Below(n) => value < n,
            Cmp::Above(n) => value > n,
            Cmp::Equals(n) => (value - n).abs() < 1e-9,
            Cmp::AtLeast(n) => value >= n,
            Cmp::AtMost(n) => value <= n,
            Cmp::AtLeastStart => value >= start?,
        })
    }

    /// `queue.depth < 100`, `events.done ≥ start`.
    pub fn describe(&self) -> String {
        let f = self.figure.name();
        match self.cmp {
            Cmp::Below(n) => format!("{f} < {}", num(n)),
            Cmp::Above(n) => format!("{f} > {}", num(n)),
            Cmp::Equals(n) => format!("{f} = {}", num(n)),
            Cmp::AtLeast(n) => format!("{f} ≥ {}", num(n)),
            Cmp::AtMost(n) => format!("{f} ≤ {}", num(n)),
            Cmp::AtLeastStart => format!("{f} ≥ start"),
        }
    }
}

/// A number as short as it can be said: `100`, `0.01`.
pub fn num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A hypothesis check with the name it is shown under.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedCheck {
    pub name: String,
    pub check: Check,
}

/// What one step of the method (or a rollback) does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Chaos(ChaosStep),
    ChaosStopAll,
    Canary(u8),
    /// v2's fault knob; zero and zero clears it.
    V2Fault {
        error_rate: f64,
        latency_ms: u64,
    },
    /// The load generator at this rate, or off.
    Load(Option<u32>),
    Backup(Kind),
    /// Point-in-time restore to a mark or to a time before the step.
    RestoreTo(RestorePoint),
    /// Remember this moment under a name.
    Mark(String),
    /// A destructive statement on the lab's database (the PITR drill's bad write).
    Sql(String),
    Wait(Duration),
    /// Until the check holds; a timeout is logged and the method goes on.
    Await {
        check: Check,
        timeout: Duration,
    },
}

/// A fault the drill applies: the spec the `:chaos` line would make.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChaosStep {
    pub service: String,
    pub kind: crate::app::fault::FaultKind,
    pub duration: Duration,
}

impl ChaosStep {
    pub fn spec(&self) -> FaultSpec {
        FaultSpec {
            service: self.service.clone(),
            kind: self.kind.clone(),
            duration: self.duration,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestorePoint {
    Mark(String),
    /// This long before the step runs.
    Ago(Duration),
}

impl Action {
    /// The step in a few words, for the panel and the timeline.
    pub fn describe(&self) -> String {
        match self {
            Action::Chaos(c) => format!(
                "chaos {} {} for {}s",
                c.kind.describe(),
                c.service,
                c.duration.as_secs()
            ),
            Action::ChaosStopAll => "chaos stop-all".into(),
            Action::Canary(p) => format!("canary {p}%"),
            Action::V2Fault {
                error_rate,
                latency_ms,
            } if *error_rate == 0.0 && *latency_ms == 0 => "v2 fault cleared".into(),
            Action::V2Fault {
                error_rate,
                latency_ms,
            } => format!(
                "v2 fault: {:.0}% errors, +{latency_ms}ms",
                error_rate * 100.0
            ),
            Action::Load(Some(r)) => format!("load {r} req/s"),
            Action::Load(None) => "load off".into(),
            Action::Backup(k) => format!("{k} backup"),
            Action::RestoreTo(RestorePoint::Mark(m)) => format!("restore to mark `{m}`"),
            Action::RestoreTo(RestorePoint::Ago(d)) => {
                format!("restore to {}s before", d.as_secs())
            }
            Action::Mark(m) => format!("mark `{m}`"),
            Action::Sql(s) => format!("sql: {}", s.chars().take(60).collect::<String>()),
            Action::Wait(d) => format!("wait {}s", d.as_secs()),
            Action::Await { check, timeout } => {
                format!("await {} (≤{}s)", check.describe(), timeout.as_secs())
            }
        }
    }

    /// Whether this is the drill's fault: detection is timed from the first one.
    pub fn is_fault(&self) -> bool {
        match self {
            Action::Chaos(_) | Action::Sql(_) => true,
            Action::V2Fault {
                error_rate,
                latency_ms,
            } => *error_rate > 0.0 || *latency_ms > 0,
            _ => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Shown on screen; objectives may count from it.
    pub name: String,
    pub action: Action,
}

/// Where an objective's time limit counts from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum From {
    Start,
    /// The first fault step.
    Fault,
    /// The step of this index (in `method`).
    Step(usize),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    pub name: String,
    pub check: Check,
    pub within: Duration,
    pub from: From,
    /// Met only once the check, having failed after `from`, holds again.
    pub recovers: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrillSpec {
    pub title: String,
    pub briefing: String,
    pub hypothesis: Vec<NamedCheck>,
    /// How long the steady state may take to show before the method starts.
    pub steady_within: Duration,
    /// How long after the method the steady state may take to come back.
    pub recover_within: Duration,
    /// The setup's steps first (the first `setup` of them), then the method's.
    pub method: Vec<Step>,
    /// How many of `method` are setup: run before the steady state is checked.
    #[serde(default)]
    pub setup: usize,
    pub objectives: Vec<Objective>,
    pub rollbacks: Vec<Action>,
}

impl DrillSpec {
    /// Every figure the drill reads, once each, in the order they first appear.
    pub fn figures(&self) -> Vec<Figure> {
        let mut out: Vec<Figure> = Vec::new();
        let checks = self
            .hypothesis
            .iter()
            .map(|c| &c.check)
            .chain(self.objectives.iter().map(|o| &o.check))
            .chain(self.method.iter().filter_map(|s| match &s.action {
                Action::Await { check, .. } => Some(check),
                _ => None,
            }));
        for c in checks {
            if !out.contains(&c.figure) {
                out.push(c.figure.clone());
            }
        }
        out
    }
}
