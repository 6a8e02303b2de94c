//! A canary plan as a pure state machine: steps of weight and hold, a guard that judges v2
//! against limits and against v1, and the pauses that keep it from promoting blind. It is fed
//! the clock, the gateway's read-back and the guard's samples, and answers with what should be
//! done (`Out`); the TUI and the headless runner turn those into the same Commands.
//!
//! A step is in force when the gateway reports its weight, not when it was asked for. It
//! advances once its hold is over (paused time does not count), the guard has judged v2 healthy
//! at that weight, and no breach is pending. The guard judges only windows that lie wholly
//! within the plan, so the first verdict comes one window after the start. With Prometheus DOWN, STALE or not yet heard from,
//! the hold clock stops. `consecutive` breaching samples in a row abort to 0%.

mod actions;
mod spec;

pub use super::guard::{figures, judge, Guard, Verdict};
use super::msg::VersionTraffic;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
pub use spec::{Decision, DecisionKind, Out, Phase, PlanSpec, Step};

/// The effect name plan-driven changes report under, so their failures reach the plan.
pub const EFFECT: &str = "canary.plan";

/// Gateway readings in a row that must disagree with a held step before the plan concludes
/// the split was changed from outside (one could be a read that raced the change).
const OUTSIDE_READINGS: u32 = 2;

#[derive(Clone, Debug, PartialEq)]
pub struct PlanRun {
    pub spec: PlanSpec,
    pub started_at: DateTime<Utc>,
    /// Index of the current step.
    pub step: usize,
    pub phase: Phase,
    pub user_paused: bool,
    /// Why the guard cannot see (Prometheus DOWN, STALE…); the plan waits while it is set.
    pub blind: Option<String>,
    /// Hold time served in this step before the running stretch.
    pub held: Duration,
    /// Start of the running stretch of the hold; None while paused or not holding.
    pub hold_since: Option<DateTime<Utc>>,
    /// A guard sample judged v2 healthy since the step was in force.
    pub judged_healthy: bool,
    /// Breaching samples in a row.
    pub breaches: u32,
    /// Gateway readings in a row that disagree with the held step.
    outside: u32,
    pub last: Option<Decision>,
    /// Why it aborted.
    pub reason: Option<String>,
}

impl PlanRun {
    /// Starts the plan: the first step's weight is asked for.
    pub fn start(spec: PlanSpec, now: DateTime<Utc>, applied: Option<u8>) -> (PlanRun, Vec<Out>) {
        let steps: Vec<Value> = spec
            .steps
            .iter()
            .map(|s| json!({ "weight": s.weight, "hold_seconds": s.hold.num_seconds() }))
            .collect();
        let g = &spec.guard;
        let mut outs = vec![Out::Audit {
            what: "canary.plan.start",
            detail: json!({
                "plan": spec.name,
                "from_percent": applied,
                "steps": steps,
                "guard": {
                    "max_error_ratio": g.max_error_ratio,
                    "max_p95_ms": g.max_p95_ms,
                    "max_error_ratio_over_v1": g.max_error_ratio_over_v1,
                    "consecutive": g.consecutive,
                    "min_v2_rps": g.min_v2_rps,
                    "window_seconds": g.window_secs,
                },
            }),
        }];
        let mut run = PlanRun {
            spec,
            started_at: now,
            step: 0,
            phase: Phase::Applying,
            user_paused: false,
            blind: None,
            held: Duration::zero(),
            hold_since: None,
            judged_healthy: false,
            breaches: 0,
            outside: 0,
            last: None,
            reason: None,
        };
        outs.extend(run.apply_step(now));
        (run, outs)
    }

    pub fn current(&self) -> &Step {
        &self.spec.steps[self.step.min(self.spec.steps.len() - 1)]
    }

    pub fn is_over(&self) -> bool {
        matches!(self.phase, Phase::Done | Phase::Aborted)
    }

    /// Still steering the split: nothing else may change it.
    pub fn is_active(&self) -> bool {
        !self.is_over()
    }

    pub fn paused(&self) -> bool {
        self.user_paused || self.blind.is_some()
    }

    /// Hold time served in this step.
    pub fn held(&self, now: DateTime<Utc>) -> Duration {
        self.held
            + self
                .hold_since
                .map_or(Duration::zero(), |s| (now - s).max(Duration::zero()))
    }

    /// Hold time left in this step while holding.
    pub fn hold_left(&self, now: DateTime<Utc>) -> Option<Duration> {
        (self.phase == Phase::Holding)
            .then(|| (self.current().hold - self.held(now)).max(Duration::zero()))
    }

    fn decide(&mut self, at: DateTime<Utc>, kind: DecisionKind, text: impl Into<String>) {
        self.last = Some(Decision {
            at,
            kind,
            text: text.into(),
        });
    }

    fn apply_step(&mut self, now: DateTime<Utc>) -> Vec<Out> {
        let n = self.spec.steps.len();
        let weight = self.current().weight;
        self.phase = Phase::Applying;
        self.held = Duration::zero();
        self.hold_since = None;
        self.judged_healthy = false;
        self.outside = 0;
        self.decide(
            now,
            DecisionKind::Info,
            format!("step {}/{n}: asking for {weight}%", self.step + 1),
        );
        vec![Out::Set {
            to: weight,
            what: "canary.plan.step",
            detail: json!({
                "plan": self.spec.name,
                "step": self.step + 1,
                "of": n,
                "weight": weight,
                "hold_seconds": self.current().hold.num_seconds(),
            }),
        }]
    }

    fn stop_hold(&mut self, now: DateTime<Utc>) {
        if let Some(since) = self.hold_since.take() {
            self.held += (now - since).max(Duration::zero());
        }
    }

    fn resume_hold(&mut self, now: DateTime<Utc>) {
        if self.phase == Phase::Holding && !self.paused() && self.hold_since.is_none() {
            self.hold_since = Some(now);
        }
    }

    /// The clock moved on; `blind` says why the guard cannot see, if it cannot.
    pub fn on_tick(&mut self, now: DateTime<Utc>, blind: Option<String>) -> Vec<Out> {
        if self.is_over() {
            return Vec::new();
        }
        let mut outs = self.set_blind(now, blind);
        if self.phase == Phase::Holding
            && !self.paused()
            && self.held(now) >= self.current().hold
            && self.judged_healthy
            && self.breaches == 0
        {
            outs.extend(self.advance(now));
        }
        outs
    }

    fn set_blind(&mut self, now: DateTime<Utc>, blind: Option<String>) -> Vec<Out> {
        if blind == self.blind {
            return Vec::new();
        }
        let was = self.blind.take();
        match (was, blind) {
            (None, Some(why)) => {
                self.stop_hold(now);
                self.blind = Some(why.clone());
                let text = format!("paused: {why}; the guard cannot see");
                self.decide(now, DecisionKind::Bad, text.clone());
                vec![
                    Out::Audit {
                        what: "canary.plan.pause",
                        detail: json!({ "plan": self.spec.name, "step": self.step + 1, "reason": why }),
                    },
                    Out::Toast {
                        error: true,
                        text: format!("canary plan {text}"),
                    },
                ]
            }
            (Some(_), None) => {
                self.resume_hold(now);
                self.decide(now, DecisionKind::Info, "resumed: prometheus answers again");
                vec![
                    Out::Audit {
                        what: "canary.plan.resume",
                        detail: json!({ "plan": self.spec.name, "step": self.step + 1, "reason": "prometheus back" }),
                    },
                    Out::Toast {
                        error: false,
                        text: "canary plan resumed: prometheus answers again".into(),
                    },
                ]
            }
            // Still blind, for another reason: say so, no new audit line.
            (Some(_), Some(why)) => {
                self.blind = Some(why.clone());
                self.decide(
                    now,
                    DecisionKind::Bad,
                    format!("paused: {why}; the guard cannot see"),
                );
                Vec::new()
            }
            (None, None) => Vec::new(),
        }
    }

    fn advance(&mut self, now: DateTime<Utc>) -> Vec<Out> {
        if self.step + 1 < self.spec.steps.len() {
            self.step += 1;
            return self.apply_step(now);
        }
        if self.current().weight == 100 {
            return self.finish(now);
        }
        self.phase = Phase::Promoting;
        self.hold_since = None;
        self.decide(now, DecisionKind::Info, "all steps held: promoting to 100%");
        vec![Out::Set {
            to: 100,
            what: "canary.plan.promote",
            detail: json!({ "plan": self.spec.name, "reason": "all steps held" }),
        }]
    }

    fn finish(&mut self, now: DateTime<Utc>) -> Vec<Out> {
        self.phase = Phase::Done;
        self.hold_since = None;
        let secs = (now - self.started_at).num_seconds();
        self.decide(
            now,
            DecisionKind::Healthy,
            format!("promoted: v2 takes 100% ({secs}s)"),
        );
        vec![
            Out::Audit {
                what: "canary.plan.done",
                detail: json!({ "plan": self.spec.name, "canary_percent": 100, "seconds": secs }),
            },
            Out::Toast {
                error: false,
                text: format!("canary plan done: v2 promoted to 100% in {secs}s"),
            },
        ]
    }

    /// The gateway reported the split it applies.
    pub fn on_gateway(&mut self, at: DateTime<Utc>, percent: u8) -> Vec<Out> {
        let weight = self.current().weight;
        match self.phase {
            Phase::Applying if percent == weight => {
                self.phase = Phase::Holding;
                self.outside = 0;
                self.resume_hold(at);
                let n = self.spec.steps.len();
                self.decide(
                    at,
                    DecisionKind::Info,
                    format!("step {}/{n}: {weight}% in force, holding", self.step + 1),
                );
                Vec::new()
            }
            Phase::Holding if percent != weight => {
                self.outside += 1;
                if self.outside < OUTSIDE_READINGS {
                    return Vec::new();
                }
                self.stop_hold(at);
                self.phase = Phase::Aborted;
                let why = format!(
                    "the split was changed outside the plan ({percent}% instead of {weight}%)"
                );
                self.reason = Some(why.clone());
                self.decide(at, DecisionKind::Bad, format!("stopped: {why}"));
                vec![
                    Out::Audit {
                        what: "canary.plan.abort",
                        detail: json!({ "plan": self.spec.name, "step": self.step + 1, "reason": why, "canary_percent": percent }),
                    },
                    Out::Toast {
                        error: true,
                        text: format!("canary plan stopped: {why}"),
                    },
                ]
            }
            Phase::Holding => {
                self.outside = 0;
                Vec::new()
            }
            Phase::Promoting if percent == 100 => self.finish(at),
            Phase::Aborting if percent == 0 => {
                self.phase = Phase::Aborted;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// A guard sample over the guard's window.
    pub fn on_guard(&mut self, at: DateTime<Utc>, versions: &[VersionTraffic]) -> Vec<Out> {
        if !matches!(self.phase, Phase::Applying | Phase::Holding) {
            return Vec::new();
        }
        let consecutive = self.spec.guard.consecutive;
        // A window that reaches back before the plan holds traffic from before it (a
        // previous, aborted release): v2 is judged only on what it served during this plan.
        let window = Duration::seconds(self.spec.guard.window_secs as i64);
        let own = self.started_at + window;
        if at < own {
            let left = (own - at).num_seconds().max(1);
            self.decide(
                at,
                DecisionKind::NoData,
                format!("the guard's window still reaches back before the plan ({left}s more)"),
            );
            return Vec::new();
        }
        match judge(&self.spec.guard, versions) {
            Verdict::NoData(text) => {
                self.decide(at, DecisionKind::NoData, text);
                Vec::new()
            }
            Verdict::Healthy(text) => {
                self.breaches = 0;
                if self.phase == Phase::Holding {
                    self.judged_healthy = true;
                }
                self.decide(at, DecisionKind::Healthy, format!("healthy: {text}"));
                Vec::new()
            }
            Verdict::Breach(text) => {
                self.breaches += 1;
                self.judged_healthy = false;
                if self.breaches < consecutive {
                    self.decide(
                        at,
                        DecisionKind::Breach,
                        format!("breach {}/{consecutive}: {text}", self.breaches),
                    );
                    return Vec::new();
                }
                let why = format!("guard: {text} ({consecutive} samples in a row)");
                let detail = json!({
                    "plan": self.spec.name,
                    "step": self.step + 1,
                    "weight": self.current().weight,
                    "reason": why,
                    "window_seconds": self.spec.guard.window_secs,
                    "figures": figures(versions),
                    "limits": {
                        "max_error_ratio": self.spec.guard.max_error_ratio,
                        "max_p95_ms": self.spec.guard.max_p95_ms,
                        "max_error_ratio_over_v1": self.spec.guard.max_error_ratio_over_v1,
                        "consecutive": consecutive,
                    },
                });
                let mut outs = self.abort_with(at, "canary.plan.guard_abort", why.clone(), detail);
                outs.push(Out::Toast {
                    error: true,
                    text: format!("canary ABORTED to 0%: {why}"),
                });
                outs
            }
        }
    }
}
