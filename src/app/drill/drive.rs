//! The drill's moves: what each phase does on the clock, on a fresh reading and on an effect's
//! end, and the Commands its steps and rollbacks ask for.

use super::eval::{CheckState, ObjectiveState};
use super::run::{DrillRun, Outcome, Phase, Wait, ROLLBACK_SECS};
use super::spec::{Action, RestorePoint};
use super::stop::finish;
pub use super::stop::{abort, roll_back, toggle_pause};
use super::timeline::Kind;
use super::{DrillEffect, SQL_EFFECT, V2_FAULT_EFFECT};
use crate::app::backups::{self, BackupCommand};
use crate::app::state::State;
use crate::app::update::Command;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

fn chrono(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::zero())
}

/// Every figure the drill reads, now.
pub fn readings(run: &DrillRun, state: &State) -> Vec<Result<f64, String>> {
    run.spec.figures().iter().map(|f| f.read(state)).collect()
}

/// Starts a drill from its briefing: the setup's steps, then the baseline waits for the
/// steady state.
pub fn start(run: &mut DrillRun, state: &mut State, cmds: &mut Vec<Command>) {
    if run.phase != Phase::Briefing {
        return;
    }
    let now = run.now(state);
    run.started_at = Some(now);
    run.since = now;
    if run.spec.setup > 0 {
        run.phase = Phase::Setup;
        run.log(now, Kind::Phase, "started: setting up");
        begin_step(run, state, cmds);
    } else {
        to_baseline(run, now);
    }
}

fn to_baseline(run: &mut DrillRun, now: DateTime<Utc>) {
    run.phase = Phase::Baseline;
    run.since = now;
    run.wait = None;
    run.log(now, Kind::Phase, "waiting for the steady state");
}

/// The clock moved on or a figure changed: judge, and move the drill on (through as many
/// phases as the same readings allow).
pub fn evaluate(run: &mut DrillRun, state: &mut State, cmds: &mut Vec<Command>) {
    for _ in 0..4 {
        let phase = run.phase;
        evaluate_once(run, state, cmds);
        if run.phase == phase {
            break;
        }
    }
}

fn evaluate_once(run: &mut DrillRun, state: &mut State, cmds: &mut Vec<Command>) {
    // The briefing shows the checks live too, so the team sees the steady state before E.
    if run.phase == Phase::Briefing {
        let r = readings(run, state);
        run.judge_all(&r);
    }
    if !run.is_active() {
        return;
    }
    let now = run.now(state);
    let r = readings(run, state);
    run.judge_all(&r);
    if matches!(run.phase, Phase::Method | Phase::Recovering) {
        track(run, &r, now);
    }
    if run.paused() {
        return;
    }
    match run.phase {
        Phase::Baseline if run.all_green() => {
            for f in &mut run.figures {
                f.before = f.now;
            }
            run.phase = Phase::Method;
            run.method_at = Some(now);
            run.log(now, Kind::Phase, "steady state: the method starts");
            begin_step(run, state, cmds);
        }
        Phase::Baseline if now - run.since > chrono(run.spec.steady_within) => {
            let text = format!(
                "no steady state ({}): the method does not run",
                not_green(run)
            );
            run.log(now, Kind::Bad, text);
            roll_back(run, state, Outcome::NotSteady, cmds);
        }
        Phase::Setup | Phase::Method => match run.wait.clone() {
            Some(Wait::Until(t)) if now >= t => next_step(run, state, cmds),
            Some(Wait::Check(deadline)) => {
                let Some(Action::Await { check, .. }) = run.current().cloned() else {
                    return;
                };
                let started = run.step_started[run.step];
                let fresh = check.figure.measured_at(state) > started;
                if fresh && run.judge_one(&check, &r) == CheckState::Green {
                    run.log(now, Kind::Step, format!("{} holds", check.describe()));
                    next_step(run, state, cmds);
                } else if now > deadline {
                    run.log(
                        now,
                        Kind::Bad,
                        format!("timed out waiting for {}", check.describe()),
                    );
                    next_step(run, state, cmds);
                }
            }
            _ => {}
        },
        Phase::Recovering if run.all_green() => {
            run.log(now, Kind::Phase, "the steady state holds after the method");
            roll_back(run, state, Outcome::Held, cmds);
        }
        Phase::Recovering if now - run.since > chrono(run.spec.recover_within) => {
            run.log(now, Kind::Bad, "the steady state did not come back in time");
            roll_back(run, state, Outcome::NotHeld, cmds);
        }
        Phase::RollingBack
            if run.rolling.is_empty() || now - run.since > Duration::seconds(ROLLBACK_SECS) =>
        {
            finish(run, now)
        }
        _ => {}
    }
}

/// `("setup", 1, 2)` or `("step", 3, 5)`: where the drill is, counted within its part.
pub fn step_of(run: &DrillRun) -> (&'static str, usize, usize) {
    let (k, n) = (run.spec.setup, run.spec.method.len());
    if run.step < k {
        ("setup", run.step + 1, k)
    } else {
        ("step", run.step - k + 1, n - k)
    }
}

/// The hypothesis checks that are not green, and why.
fn not_green(run: &DrillRun) -> String {
    let parts: Vec<String> = run
        .spec
        .hypothesis
        .iter()
        .zip(&run.checks)
        .filter(|(_, c)| **c != CheckState::Green)
        .map(|(h, c)| match c {
            CheckState::Unknown(why) => format!("{}: unknown, {why}", h.name),
            _ => format!("{}: red", h.name),
        })
        .collect();
    parts.join("; ")
}

/// Detection, recovery and objectives, on every reading while the method runs and after.
fn track(run: &mut DrillRun, r: &[Result<f64, String>], now: DateTime<Utc>) {
    if run.fault_at.is_some() {
        if run.detected_at.is_none() && run.any_red() {
            run.detected_at = Some(now);
            let red: Vec<String> = run
                .spec
                .hypothesis
                .iter()
                .zip(&run.checks)
                .filter(|(_, c)| **c == CheckState::Red)
                .map(|(h, _)| h.name.clone())
                .collect();
            run.log(now, Kind::Detected, format!("red: {}", red.join(", ")));
        } else if run.detected_at.is_some() && run.recovered_at.is_none() && run.all_green() {
            run.recovered_at = Some(now);
            run.log(now, Kind::Recovered, "every check green again");
        } else if run.recovered_at.is_some() && run.any_red() {
            run.recovered_at = None;
            run.log(now, Kind::Bad, "red again after recovering");
        }
    }
    for i in 0..run.objectives.len() {
        let o = run.spec.objectives[i].clone();
        if run.objectives[i] == ObjectiveState::Waiting {
            match run.from_time(&o.from) {
                Some(from) => run.objectives[i] = ObjectiveState::open(&o, from),
                None => continue,
            }
        }
        let state = run.judge_one(&o.check, r);
        let mut obj = run.objectives[i].clone();
        if obj.observe(&o, &state, now) {
            let text = match &obj {
                ObjectiveState::Met { secs, .. } => format!("met: {} ({secs:.0}s)", o.name),
                _ => format!("missed: {} (not within {}s)", o.name, o.within.as_secs()),
            };
            run.log(now, Kind::Objective, text);
        }
        run.objectives[i] = obj;
    }
}

fn begin_step(run: &mut DrillRun, state: &mut State, cmds: &mut Vec<Command>) {
    let now = run.now(state);
    if run.phase == Phase::Setup && run.step == run.spec.setup {
        return to_baseline(run, now);
    }
    let Some(step) = run.spec.method.get(run.step).cloned() else {
        run.phase = Phase::Recovering;
        run.since = now;
        run.wait = None;
        run.log(
            now,
            Kind::Phase,
            "method done: waiting for the steady state",
        );
        return;
    };
    run.step_started[run.step] = Some(now);
    let (word, i, n) = step_of(run);
    run.log(now, Kind::Step, format!("{word} {i}/{n}: {}", step.name));
    run.wait = match &step.action {
        Action::Mark(name) => {
            run.marks.push((name.clone(), now));
            None
        }
        Action::Wait(d) => Some(Wait::Until(now + chrono(*d))),
        Action::Await { timeout, .. } => Some(Wait::Check(now + chrono(*timeout))),
        Action::Backup(_) | Action::RestoreTo(_) => {
            let cmd = match &step.action {
                Action::Backup(kind) => BackupCommand::Create(*kind),
                Action::RestoreTo(RestorePoint::Mark(m)) => {
                    let t = run
                        .marks
                        .iter()
                        .rev()
                        .find(|(n, _)| n == m)
                        .map_or(now, |x| x.1);
                    BackupCommand::RestoreTo(t)
                }
                Action::RestoreTo(RestorePoint::Ago(d)) => {
                    BackupCommand::RestoreTo(now - chrono(*d))
                }
                _ => unreachable!("matched above"),
            };
            let before = cmds.len();
            backups::ask(state, cmd, cmds);
            if cmds.len() == before {
                return abort(run, state, "the backup operation was refused", cmds);
            }
            Some(Wait::Backup)
        }
        action => Some(Wait::Effect(command(action, state, cmds).to_string())),
    };
    if run.wait.is_none() {
        next_step(run, state, cmds);
    }
}

fn next_step(run: &mut DrillRun, state: &mut State, cmds: &mut Vec<Command>) {
    run.wait = None;
    run.step += 1;
    begin_step(run, state, cmds);
}

/// The Command for an action that reports as an effect; returns the effect's name.
pub(super) fn command(action: &Action, state: &State, cmds: &mut Vec<Command>) -> &'static str {
    match action {
        Action::Chaos(c) => {
            cmds.push(Command::ChaosApply(c.spec()));
            "chaos"
        }
        Action::ChaosStopAll => {
            cmds.push(Command::ChaosStopAll);
            "chaos"
        }
        Action::Canary(p) => {
            cmds.push(Command::ChangeCanary {
                from: state.canary.applied,
                to: *p,
                what: "drill.canary",
                detail: json!({ "reason": "drill" }),
            });
            "canary"
        }
        Action::V2Fault {
            error_rate,
            latency_ms,
        } => {
            cmds.push(Command::Drill(DrillEffect::V2Fault {
                error_rate: *error_rate,
                latency_ms: *latency_ms,
            }));
            V2_FAULT_EFFECT
        }
        Action::Load(rate) => {
            cmds.push(Command::Load { rate: *rate });
            "load"
        }
        Action::Sql(sql) => {
            cmds.push(Command::Drill(DrillEffect::Sql(sql.clone())));
            SQL_EFFECT
        }
        // Marks, waits, awaits and backups are handled by the caller.
        _ => "",
    }
}

/// An effect ended: the step waiting for it moves on, or the drill aborts.
pub fn on_effect(
    run: &mut DrillRun,
    state: &mut State,
    name: &str,
    result: Result<&str, &str>,
    now: DateTime<Utc>,
    cmds: &mut Vec<Command>,
) {
    if run.phase == Phase::RollingBack {
        if let Some(i) = run.rolling.iter().position(|n| n == name) {
            run.rolling.remove(i);
            if let Err(e) = result {
                run.log(now, Kind::Bad, format!("rollback {name} failed: {e}"));
            }
        }
        return;
    }
    let waiting = match &run.wait {
        Some(Wait::Effect(n)) => n == name,
        Some(Wait::Backup) => name == "backup",
        _ => false,
    };
    if !matches!(run.phase, Phase::Setup | Phase::Method) || !waiting {
        return;
    }
    let step = run.spec.method[run.step].clone();
    match result {
        Ok(text) => {
            if step.action.is_fault() && run.fault_at.is_none() {
                run.fault_at = Some(now);
                run.log(now, Kind::Fault, format!("in force: {}", step.name));
            } else if !text.is_empty() {
                run.log(now, Kind::Step, text.to_string());
            }
            if !run.paused() {
                next_step(run, state, cmds);
            } else {
                run.wait = Some(Wait::Until(now));
            }
        }
        Err(e) => {
            let why = format!("step {} ({}) failed: {e}", run.step + 1, step.name);
            abort(run, state, &why, cmds);
        }
    }
}
