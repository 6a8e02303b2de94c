//! A drill as a pure state machine: briefing → baseline (the steady state must show) → the
//! method, step by step → recovering (the steady state must come back) → rollbacks → scored.
//! Pausing makes the lab safe (the rollbacks run) and holds the method; aborting runs the
//! rollbacks and ends it. Fed the clock, samples and effect outcomes through `update`.

use super::eval::{judge, CheckState, FigureSpan, ObjectiveState};
use super::spec::{Action, DrillSpec, From};
use super::timeline::{Entry, Kind as EntryKind};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long the rollbacks may take before the drill is scored anyway.
pub const ROLLBACK_SECS: i64 = 90;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Briefing,
    /// The setup's steps (load on, a backup…), before the steady state is checked.
    Setup,
    /// Waiting for the steady state before the method starts.
    Baseline,
    Method,
    /// The method is over; waiting for the steady state to come back.
    Recovering,
    RollingBack,
    Done,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Briefing => "briefing",
            Phase::Setup => "setup",
            Phase::Baseline => "baseline",
            Phase::Method => "method",
            Phase::Recovering => "recovering",
            Phase::RollingBack => "rolling back",
            Phase::Done => "done",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The steady state held, or came back within `recover_within`.
    Held,
    NotHeld,
    /// The steady state never showed, so the method did not run.
    NotSteady,
    Aborted(String),
}

impl Outcome {
    pub fn held(&self) -> bool {
        matches!(self, Outcome::Held)
    }
    pub fn describe(&self) -> String {
        match self {
            Outcome::Held => "hypothesis held".into(),
            Outcome::NotHeld => "hypothesis NOT held".into(),
            Outcome::NotSteady => "no steady state: the method did not run".into(),
            Outcome::Aborted(why) => format!("aborted: {why}"),
        }
    }
}

/// What the current step waits for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wait {
    /// An effect reporting under this name to finish.
    Effect(String),
    /// A backup operation to finish.
    Backup,
    Until(DateTime<Utc>),
    /// The await step's check, until the deadline.
    Check(DateTime<Utc>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrillRun {
    pub spec: DrillSpec,
    pub phase: Phase,
    pub since: DateTime<Utc>,
    /// The newest time a reading or an effect was stamped with: the drill's clock runs on
    /// it as well as on the ticks, so a Docker event is timed when it happened.
    pub seen: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub method_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub step: usize,
    pub wait: Option<Wait>,
    pub step_started: Vec<Option<DateTime<Utc>>>,
    pub paused_at: Option<DateTime<Utc>>,
    pub checks: Vec<CheckState>,
    /// The figures the drill reads, in `spec.figures()` order, with their start values.
    pub figures: Vec<FigureSpan>,
    pub start_values: Vec<Option<f64>>,
    pub objectives: Vec<ObjectiveState>,
    pub fault_at: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
    pub recovered_at: Option<DateTime<Utc>>,
    pub marks: Vec<(String, DateTime<Utc>)>,
    /// Rollback effects not yet finished.
    pub rolling: Vec<String>,
    pub outcome: Option<Outcome>,
    pub timeline: Vec<Entry>,
}

/// The drill's score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub outcome: Outcome,
    pub held: bool,
    pub time_to_detect_secs: Option<f64>,
    pub time_to_recover_secs: Option<f64>,
    pub objectives_met: usize,
    pub objectives: usize,
    pub seconds: Option<f64>,
}

fn secs(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds() as f64 / 1000.0
}

impl DrillRun {
    pub fn new(spec: DrillSpec, now: DateTime<Utc>) -> DrillRun {
        let figures = spec
            .figures()
            .iter()
            .map(|f| FigureSpan {
                name: f.name(),
                ..Default::default()
            })
            .collect::<Vec<_>>();
        DrillRun {
            phase: Phase::Briefing,
            since: now,
            seen: now,
            started_at: None,
            method_at: None,
            ended_at: None,
            step: 0,
            wait: None,
            step_started: vec![None; spec.method.len()],
            paused_at: None,
            checks: vec![CheckState::Unknown("not started".into()); spec.hypothesis.len()],
            start_values: vec![None; figures.len()],
            figures,
            objectives: vec![ObjectiveState::Waiting; spec.objectives.len()],
            fault_at: None,
            detected_at: None,
            recovered_at: None,
            marks: Vec::new(),
            rolling: Vec::new(),
            outcome: None,
            timeline: Vec::new(),
            spec,
        }
    }

    /// The drill's now: the clock's, or a newer reading's.
    pub fn now(&self, state: &crate::app::State) -> DateTime<Utc> {
        state.now.max(self.seen)
    }

    /// Running: the lab is being changed or watched on the drill's behalf.
    pub fn is_active(&self) -> bool {
        !matches!(self.phase, Phase::Briefing | Phase::Done)
    }

    pub fn is_over(&self) -> bool {
        self.phase == Phase::Done
    }

    pub fn paused(&self) -> bool {
        self.paused_at.is_some()
    }

    /// Seconds since the drill started.
    pub fn elapsed(&self, now: DateTime<Utc>) -> Option<f64> {
        self.started_at
            .map(|s| secs(s, self.ended_at.unwrap_or(now)))
    }

    pub fn log(&mut self, at: DateTime<Utc>, kind: EntryKind, text: impl Into<String>) {
        let figures = self
            .figures
            .iter()
            .map(|f| (f.name.clone(), f.now))
            .collect();
        let elapsed = self.started_at.map_or(0.0, |s| secs(s, at));
        self.timeline.push(Entry {
            at,
            elapsed,
            kind,
            text: text.into(),
            figures,
        });
    }

    pub fn all_green(&self) -> bool {
        self.checks.iter().all(|c| *c == CheckState::Green)
    }

    pub fn any_red(&self) -> bool {
        self.checks.contains(&CheckState::Red)
    }

    pub fn score(&self) -> Score {
        let outcome = self.outcome.clone().unwrap_or(Outcome::NotHeld);
        Score {
            held: outcome.held(),
            outcome,
            time_to_detect_secs: self.fault_at.zip(self.detected_at).map(|(f, d)| secs(f, d)),
            time_to_recover_secs: self
                .detected_at
                .zip(self.recovered_at)
                .map(|(d, r)| secs(d, r)),
            objectives_met: self.objectives.iter().filter(|o| o.met()).count(),
            objectives: self.objectives.len(),
            seconds: self.started_at.zip(self.ended_at).map(|(s, e)| secs(s, e)),
        }
    }

    /// Where an objective's clock starts, once it has.
    pub fn from_time(&self, from: &From) -> Option<DateTime<Utc>> {
        match from {
            From::Start => self.method_at,
            From::Fault => self.fault_at,
            From::Step(i) => self.step_started.get(*i).copied().flatten(),
        }
    }

    /// The current step's action, while the method runs.
    pub fn current(&self) -> Option<&Action> {
        matches!(self.phase, Phase::Setup | Phase::Method)
            .then(|| self.spec.method.get(self.step).map(|s| &s.action))
            .flatten()
    }

    /// Moves the clocks of waits and objectives on by time spent paused.
    pub(super) fn shift(&mut self, by: Duration) {
        match &mut self.wait {
            Some(Wait::Until(t)) | Some(Wait::Check(t)) => *t += by,
            _ => {}
        }
        for o in &mut self.objectives {
            o.shift(by);
        }
        if matches!(self.phase, Phase::Baseline | Phase::Recovering) {
            self.since += by;
        }
    }

    /// Judges every hypothesis check on fresh readings (`readings` in `spec.figures()` order).
    pub(super) fn judge_all(&mut self, readings: &[Result<f64, String>]) {
        let figures = self.spec.figures();
        for (i, r) in readings.iter().enumerate() {
            // The value at the start is the first one read once the drill started.
            if self.phase == Phase::Baseline && self.start_values[i].is_none() {
                self.start_values[i] = r.as_ref().ok().copied();
            }
            self.figures[i].now = r.as_ref().ok().copied();
            if let (Ok(v), Phase::Method | Phase::Recovering) = (r, self.phase) {
                self.figures[i].during(*v);
            }
        }
        let index = |f| figures.iter().position(|x| x == f).unwrap_or(0);
        for (i, c) in self.spec.hypothesis.iter().enumerate() {
            let k = index(&c.check.figure);
            self.checks[i] = judge(&c.check, &readings[k], self.start_values[k]);
        }
    }

    /// A check that is not part of the hypothesis (an objective's, an await's), judged.
    pub(super) fn judge_one(
        &self,
        check: &super::spec::Check,
        readings: &[Result<f64, String>],
    ) -> CheckState {
        let figures = self.spec.figures();
        let k = figures.iter().position(|x| *x == check.figure).unwrap_or(0);
        judge(check, &readings[k], self.start_values[k])
    }
}
