//! How a drill ends or holds: the rollbacks (on completion, abort and pause, every time), the
//! score, and pausing that makes the lab safe while the method waits.

use super::drive::{command, evaluate};
use super::eval::ObjectiveState;
use super::run::{DrillRun, Outcome, Phase};
use super::timeline::Kind;
use crate::app::state::State;
use crate::app::update::Command;
use chrono::{DateTime, Utc};

/// Runs every rollback; the drill is scored once they are done.
pub fn roll_back(run: &mut DrillRun, state: &mut State, outcome: Outcome, cmds: &mut Vec<Command>) {
    let now = run.now(state);
    for f in &mut run.figures {
        f.after = f.now;
    }
    run.outcome = Some(outcome);
    run.phase = Phase::RollingBack;
    run.since = now;
    run.wait = None;
    run.rolling = rollbacks(run, state, cmds);
    if run.rolling.is_empty() {
        finish(run, now);
    }
}

/// Asks for every rollback; returns the effects to wait for.
pub fn rollbacks(run: &mut DrillRun, state: &State, cmds: &mut Vec<Command>) -> Vec<String> {
    let now = run.now(state);
    let mut names = Vec::new();
    for a in run.spec.rollbacks.clone() {
        run.log(now, Kind::Rollback, a.describe());
        names.push(command(&a, state, cmds).to_string());
    }
    names
}

pub(super) fn finish(run: &mut DrillRun, now: DateTime<Utc>) {
    run.phase = Phase::Done;
    run.ended_at = Some(now);
    run.paused_at = None;
    for o in &mut run.objectives {
        if !o.met() {
            *o = ObjectiveState::Missed;
        }
    }
    let s = run.score();
    run.log(
        now,
        Kind::Phase,
        format!("scored: {}", s.outcome.describe()),
    );
}

pub fn abort(run: &mut DrillRun, state: &mut State, why: &str, cmds: &mut Vec<Command>) {
    if !run.is_active() || run.phase == Phase::RollingBack {
        return;
    }
    run.paused_at = None;
    let now = run.now(state);
    run.log(now, Kind::Bad, format!("aborted: {why}"));
    roll_back(run, state, Outcome::Aborted(why.to_string()), cmds);
}

/// Pausing makes the lab safe at once (the rollbacks) and holds the method; resuming goes on
/// with the next step, with the clocks moved on by the pause.
pub fn toggle_pause(run: &mut DrillRun, state: &mut State, cmds: &mut Vec<Command>) {
    let now = run.now(state);
    if !matches!(
        run.phase,
        Phase::Setup | Phase::Baseline | Phase::Method | Phase::Recovering
    ) {
        return;
    }
    match run.paused_at.take() {
        None => {
            run.paused_at = Some(now);
            run.log(now, Kind::Phase, "paused: rollbacks run, the method holds");
            rollbacks(run, state, cmds);
        }
        Some(at) => {
            run.shift(now - at);
            run.log(now, Kind::Phase, "resumed");
            evaluate(run, state, cmds);
        }
    }
}
