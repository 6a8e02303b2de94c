//! The canary in the State: the plan fed from the clock, the gateway and the guard's samples;
//! the operator's intents (run, pause, promote, abort, load); and what they want done, turned
//! into Commands. `update` calls in here; nothing here does I/O.

use super::msg::{CanaryIntent, EffectOutcome, Reading, Sample, Source};
use super::plan::{self, Out, PlanRun};
use super::state::{Freshness, Recent, State, Toast, ToastLevel};
use super::update::Command;
use chrono::{DateTime, Utc};
use serde_json::json;

fn toast(state: &mut State, level: ToastLevel, text: impl Into<String>) {
    state.toasts.push(Toast {
        at: state.now,
        level,
        text: text.into(),
    });
}

/// Why the guard cannot see, when it cannot. Waiting for a first answer is not blindness: no
/// step can advance without a guard sample anyway.
fn blind(state: &State) -> Option<String> {
    match state.freshness(Source::Prometheus) {
        Freshness::Down(e) => Some(format!("prometheus DOWN ({e})")),
        Freshness::Stale => Some("prometheus STALE".into()),
        Freshness::Fresh | Freshness::Waiting => None,
    }
}

/// How a running plan shows among the running effects: the header names it, and quitting
/// asks first, since no guard watches v2 once the control room is gone.
pub const RUNNING: &str = "canary plan";

fn sync_running(state: &mut State) {
    let listed = state.running_effects.iter().any(|n| n == RUNNING);
    match (state.canary.plan_active(), listed) {
        (true, false) => state.running_effects.push(RUNNING.to_string()),
        (false, true) => state.running_effects.retain(|n| n != RUNNING),
        _ => {}
    }
}

fn emit(state: &mut State, outs: Vec<Out>, cmds: &mut Vec<Command>) {
    for out in outs {
        match out {
            Out::Set { to, what, detail } => cmds.push(Command::ChangeCanary {
                from: state.canary.applied,
                to,
                what,
                detail,
            }),
            Out::Audit { what, detail } => cmds.push(Command::Audit {
                what,
                before: json!({ "canary_percent": state.canary.applied }),
                after: detail,
            }),
            Out::Toast { error, text } => {
                let level = if error {
                    ToastLevel::Error
                } else {
                    ToastLevel::Info
                };
                toast(state, level, text);
            }
        }
    }
    sync_running(state);
}

/// The clock moved on: holds run out, Prometheus' freshness pauses or resumes the plan.
pub fn on_tick(state: &mut State, cmds: &mut Vec<Command>) {
    let (now, why) = (state.now, blind(state));
    let Some(run) = state.canary.plan.as_mut().filter(|r| r.is_active()) else {
        return;
    };
    let outs = run.on_tick(now, why);
    emit(state, outs, cmds);
}

/// The part of a sample the canary cares about, taken before State consumes the sample.
pub enum Feed {
    Gateway(DateTime<Utc>, u8),
    Guard(Recent, f64),
    /// Any other Prometheus answer, good or bad: its freshness may pause or resume the plan.
    Prometheus,
    Nothing,
}

impl Feed {
    pub fn of(sample: &Sample) -> Feed {
        match &sample.result {
            Ok(Reading::Canary { percent }) => Feed::Gateway(sample.at, *percent),
            Ok(Reading::Guard {
                window_secs,
                versions,
                load_rps,
            }) => Feed::Guard(
                Recent {
                    at: sample.at,
                    window_secs: *window_secs,
                    versions: versions.clone(),
                },
                *load_rps,
            ),
            _ if sample.source == Source::Prometheus => Feed::Prometheus,
            _ => Feed::Nothing,
        }
    }
}

/// After State took the sample in: the gateway's split and the guard's figures reach the plan.
pub fn on_feed(state: &mut State, feed: Feed, cmds: &mut Vec<Command>) {
    match feed {
        Feed::Gateway(at, percent) => {
            if state.canary.applied.is_some_and(|p| p != percent) {
                state.canary.applied_since = Some(at);
            }
            state.canary.applied = Some(percent);
            if let Some(run) = state.canary.plan.as_mut().filter(|r| r.is_active()) {
                let outs = run.on_gateway(at, percent);
                emit(state, outs, cmds);
            }
        }
        Feed::Guard(recent, load_rps) => {
            state.load.rps = Some(load_rps);
            if let Some(run) = state.canary.plan.as_mut().filter(|r| r.is_active()) {
                let outs = run.on_guard(recent.at, &recent.versions);
                emit(state, outs, cmds);
            }
            state.canary.recent = Some(recent);
            on_tick(state, cmds);
        }
        Feed::Prometheus => on_tick(state, cmds),
        Feed::Nothing => {}
    }
}

/// An effect finished: a plan change that failed aborts the plan, the old split in force.
pub fn on_effect(state: &mut State, name: &str, outcome: &EffectOutcome, cmds: &mut Vec<Command>) {
    let EffectOutcome::Failed(error) = outcome else {
        return;
    };
    if name != plan::EFFECT {
        return;
    }
    let now = state.now;
    if let Some(run) = state.canary.plan.as_mut().filter(|r| r.is_active()) {
        let outs = run.on_effect_failed(now, error);
        emit(state, outs, cmds);
    }
}

/// True (with a toast saying why) when a plan is steering the split and a manual change would
/// fight it.
pub fn plan_refuses_manual(state: &mut State) -> bool {
    if !state.canary.plan_active() {
        return false;
    }
    toast(
        state,
        ToastLevel::Error,
        "a canary plan is running: space pauses it, P promotes, a aborts",
    );
    true
}

pub fn intent(state: &mut State, intent: CanaryIntent, cmds: &mut Vec<Command>) {
    if state.readonly {
        toast(
            state,
            ToastLevel::Error,
            "read-only: the canary cannot be changed",
        );
        return;
    }
    let now = state.now;
    let applied = state.canary.applied;
    let active = state.canary.plan.as_mut().filter(|r| r.is_active());
    let outs = match (intent, active) {
        (CanaryIntent::RunPlan, Some(_)) => {
            toast(
                state,
                ToastLevel::Error,
                "a canary plan is already running (space pauses, a aborts)",
            );
            return;
        }
        (CanaryIntent::RunPlan, None) => {
            let Some(spec) = state.canary.plan_spec.clone() else {
                toast(state, ToastLevel::Error, "no canary plan in the config");
                return;
            };
            let (run, outs) = PlanRun::start(spec, now, applied);
            state.canary.plan = Some(run);
            // Prometheus may already be DOWN: the plan should know before its first tick.
            emit(state, outs, cmds);
            on_tick(state, cmds);
            return;
        }
        (CanaryIntent::TogglePause, Some(run)) => run.toggle_pause(now),
        (CanaryIntent::TogglePause, None) => {
            toast(
                state,
                ToastLevel::Error,
                "no canary plan running (p runs one)",
            );
            return;
        }
        (CanaryIntent::Promote, Some(run)) => run.promote(now),
        (CanaryIntent::Abort, Some(run)) => run.abort(now, "aborted by hand"),
        (CanaryIntent::Promote, None) => vec![Out::Set {
            to: 100,
            what: "canary.promote",
            detail: json!({ "reason": "promoted by hand" }),
        }],
        (CanaryIntent::Abort, None) => vec![Out::Set {
            to: 0,
            what: "canary.abort",
            detail: json!({ "reason": "aborted by hand" }),
        }],
    };
    emit(state, outs, cmds);
}

/// `L`: stop the load generator when it runs, else start it at the configured rate.
pub fn toggle_load(state: &mut State, cmds: &mut Vec<Command>) {
    let running = state
        .containers
        .iter()
        .any(|r| r.info.service == "load" && r.info.state == "running")
        || state.load.rps.is_some_and(|r| r > 0.0);
    let rate = (!running).then_some(state.load.rate);
    cmds.push(Command::Load { rate });
}
