//! Drills: a steady-state hypothesis on live figures, a method of faults and waits,
//! objectives with time limits, and rollbacks that always run. The file model and its parser,
//! the checks' evaluation and the run's state machine; no I/O here.
//!
//! Detection is timed from the first fault in force to the first hypothesis check red; recovery
//! from then to every check green again. The hypothesis *held* when the steady state showed
//! before the method and showed again within `recover_within` after it (it may go red in
//! between: that is the fault being felt).

pub mod drive;
pub mod eval;
pub mod figure;
pub mod parse;
pub mod run;
pub mod spec;
mod stop;
pub mod timeline;

pub use eval::CheckState;
pub use run::{DrillRun, Outcome, Phase, Score};
pub use spec::DrillSpec;

use super::state::{State, Toast, ToastLevel};
use super::update::Command;
use serde::{Deserialize, Serialize};

/// Effects the drill reports under.
pub const V2_FAULT_EFFECT: &str = "drill.v2-fault";
pub const SQL_EFFECT: &str = "drill.sql";

/// The effects only drills ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum DrillEffect {
    /// Set v2's fault knob through the gateway (zero and zero clears it).
    V2Fault { error_rate: f64, latency_ms: u64 },
    /// One statement on the lab's database: the PITR drill's bad write.
    Sql(String),
    /// Read and parse a drill file (`:drill FILE`); answered with `DrillMsg::Loaded`.
    Load(String),
}

/// What the operator (or the headless runner) does to a drill, and a drill file read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrillMsg {
    Loaded(Box<DrillSpec>),
    LoadFailed(String),
    Start,
    TogglePause,
    Abort,
    /// The process is ending (Ctrl-C, SIGTERM, leaving the control room): abort, saying so.
    Interrupted,
    /// Show or hide the drill panel.
    Toggle,
}

fn toast(state: &mut State, level: ToastLevel, text: impl Into<String>) {
    state.toasts.push(Toast {
        at: state.now,
        level,
        text: text.into(),
    });
}

/// Runs `f` on the drill with State at hand (the drill is taken out meanwhile).
fn with_run(
    state: &mut State,
    cmds: &mut Vec<Command>,
    f: impl FnOnce(&mut DrillRun, &mut State, &mut Vec<Command>),
) {
    if let Some(mut run) = state.drill.take() {
        f(&mut run, state, cmds);
        state.drill = Some(run);
    }
}

pub fn on_msg(state: &mut State, msg: DrillMsg, cmds: &mut Vec<Command>) {
    let active = state.drill.as_ref().is_some_and(DrillRun::is_active);
    match msg {
        DrillMsg::Loaded(spec) if active => {
            let text = format!(
                "a drill is running; abort it before loading `{}`",
                spec.title
            );
            toast(state, ToastLevel::Error, text);
        }
        DrillMsg::Loaded(spec) => {
            toast(
                state,
                ToastLevel::Info,
                format!("drill loaded: {}", spec.title),
            );
            state.drill = Some(DrillRun::new(*spec, state.now));
            state.show_drill = true;
            with_run(state, cmds, drive::evaluate);
        }
        DrillMsg::LoadFailed(e) => toast(state, ToastLevel::Error, e),
        DrillMsg::Toggle => state.show_drill = !state.show_drill && state.drill.is_some(),
        DrillMsg::Start | DrillMsg::TogglePause | DrillMsg::Abort | DrillMsg::Interrupted
            if state.readonly =>
        {
            toast(state, ToastLevel::Error, "read-only: drills are off");
        }
        DrillMsg::Start => match state.drill.as_ref().map(|r| r.phase) {
            None => toast(state, ToastLevel::Error, "no drill loaded (:drill FILE)"),
            Some(Phase::Done) => {
                // Once more from its briefing.
                let spec = state.drill.take().map(|r| r.spec);
                state.drill = spec.map(|s| DrillRun::new(s, state.now));
                with_run(state, cmds, |run, state, cmds| {
                    drive::start(run, state, cmds);
                    drive::evaluate(run, state, cmds);
                });
            }
            Some(_) => with_run(state, cmds, |run, state, cmds| {
                drive::start(run, state, cmds);
                drive::evaluate(run, state, cmds);
            }),
        },
        DrillMsg::TogglePause => with_run(state, cmds, drive::toggle_pause),
        DrillMsg::Abort => with_run(state, cmds, |run, state, cmds| {
            drive::abort(run, state, "by hand", cmds)
        }),
        DrillMsg::Interrupted => with_run(state, cmds, |run, state, cmds| {
            drive::abort(
                run,
                state,
                "the process is ending (Ctrl-C, SIGTERM or quit)",
                cmds,
            )
        }),
    }
    sync_running(state);
}

/// The clock moved on.
pub fn on_tick(state: &mut State, cmds: &mut Vec<Command>) {
    with_run(state, cmds, drive::evaluate);
    sync_running(state);
}

/// A sample or a Docker event stamped `at` came in.
pub fn on_reading(state: &mut State, at: chrono::DateTime<chrono::Utc>, cmds: &mut Vec<Command>) {
    if let Some(run) = state.drill.as_mut().filter(|r| r.is_active()) {
        run.seen = run.seen.max(at);
    }
    on_tick(state, cmds);
}

/// An effect (or a backup operation) ended.
pub fn on_effect(
    state: &mut State,
    name: &str,
    result: Result<&str, &str>,
    at: chrono::DateTime<chrono::Utc>,
    cmds: &mut Vec<Command>,
) {
    with_run(state, cmds, |run, state, cmds| {
        if run.is_active() {
            run.seen = run.seen.max(at);
        }
        drive::on_effect(run, state, name, result, run.now(state), cmds);
        drive::evaluate(run, state, cmds);
    });
    sync_running(state);
}

/// How a running drill shows among the running effects: quitting asks first.
pub const RUNNING: &str = "drill";

fn sync_running(state: &mut State) {
    let active = state.drill.as_ref().is_some_and(DrillRun::is_active);
    let listed = state.running_effects.iter().any(|n| n == RUNNING);
    match (active, listed) {
        (true, false) => state.running_effects.push(RUNNING.to_string()),
        (false, true) => state.running_effects.retain(|n| n != RUNNING),
        _ => {}
    }
}
