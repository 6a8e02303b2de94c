//! Judging checks against live figures, and the objectives' clocks. Pure: a check's state is a
//! function of the figure's value (or why it is unknown) and the value at the drill's start.

use super::spec::{Check, Objective};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    /// The figure cannot be read (its source DOWN or STALE, no traffic…): neither green nor red.
    Unknown(String),
    Green,
    Red,
}

impl CheckState {
    pub fn word(&self) -> &'static str {
        match self {
            CheckState::Unknown(_) => "unknown",
            CheckState::Green => "green",
            CheckState::Red => "red",
        }
    }
}

/// A check judged on a reading.
pub fn judge(check: &Check, reading: &Result<f64, String>, start: Option<f64>) -> CheckState {
    match reading {
        Err(why) => CheckState::Unknown(why.clone()),
        Ok(v) => match check.passes(*v, start) {
            Some(true) => CheckState::Green,
            Some(false) => CheckState::Red,
            None => CheckState::Unknown("no value at the start to compare with".into()),
        },
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveState {
    /// Its clock has not started (the step or fault it counts from has not come).
    Waiting,
    /// Counting: met if seen by `deadline`.
    Open {
        deadline: DateTime<Utc>,
        since: DateTime<Utc>,
        /// For an objective that `recovers`: the check has failed since `since`.
        seen_failing: bool,
    },
    Met {
        at: DateTime<Utc>,
        secs: f64,
    },
    Missed,
}

impl ObjectiveState {
    /// Starts the clock at `from`.
    pub fn open(o: &Objective, from: DateTime<Utc>) -> ObjectiveState {
        let within = chrono::Duration::from_std(o.within).unwrap_or(chrono::Duration::zero());
        ObjectiveState::Open {
            deadline: from + within,
            since: from,
            seen_failing: false,
        }
    }

    /// One observation of the objective's check at `now`; true when this met or missed it.
    pub fn observe(&mut self, o: &Objective, state: &CheckState, now: DateTime<Utc>) -> bool {
        let ObjectiveState::Open {
            deadline,
            since,
            seen_failing,
        } = self
        else {
            return false;
        };
        if now > *deadline {
            *self = ObjectiveState::Missed;
            return true;
        }
        match state {
            CheckState::Red => *seen_failing = true,
            CheckState::Green if !o.recovers || *seen_failing => {
                let secs = (now - *since).num_milliseconds() as f64 / 1000.0;
                *self = ObjectiveState::Met { at: now, secs };
                return true;
            }
            _ => {}
        }
        false
    }

    /// Pushes the deadline on by time spent paused.
    pub fn shift(&mut self, by: chrono::Duration) {
        if let ObjectiveState::Open { deadline, .. } = self {
            *deadline += by;
        }
    }

    pub fn met(&self) -> bool {
        matches!(self, ObjectiveState::Met { .. })
    }
}

/// One figure across the drill: before the method, its range during, and after.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FigureSpan {
    pub name: String,
    pub before: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub after: Option<f64>,
    /// The latest reading, or why there is none.
    pub now: Option<f64>,
}

impl FigureSpan {
    pub fn during(&mut self, v: f64) {
        self.min = Some(self.min.map_or(v, |m| m.min(v)));
        self.max = Some(self.max.map_or(v, |m| m.max(v)));
    }
}
