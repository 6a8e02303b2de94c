//! `driftdock canary plan run`: the control room's plan state machine, headless.

use super::{http, print_json, tokio_runtime};
use anyhow::{Context, Result};
use chrono::Utc;
use driftdock::app::msg::CanaryIntent;
use driftdock::app::plan::{DecisionKind, Phase};
use driftdock::app::{update, Msg, Reading, Sample, State};
use driftdock::config::Config;
use driftdock::effects::canary;
use driftdock::effects::runner::Effects;
use driftdock::probes;
use driftdock::record::audit::{self, AuditLog};
use driftdock::runtime;
use serde_json::{json, Value};
use std::path::PathBuf;

/// What a progress line shows; a new line is printed when it changes.
#[derive(PartialEq)]
struct Progress {
    phase: Phase,
    step: usize,
    paused: bool,
    applied: Option<u8>,
    decision: Option<String>,
}

fn progress(state: &State) -> Option<(Progress, Value, String)> {
    let run = state.canary.plan.as_ref()?;
    let now = state.now;
    let n = run.spec.steps.len();
    let step = run.current();
    let left = run
        .hold_left(now)
        .map(|d| d.num_milliseconds() as f64 / 1000.0);
    let decision = run.last.as_ref();
    let kind = decision.map(|d| match d.kind {
        DecisionKind::Info => "info",
        DecisionKind::Healthy => "healthy",
        DecisionKind::NoData => "no_data",
        DecisionKind::Breach => "breach",
        DecisionKind::Bad => "bad",
    });
    let p = Progress {
        phase: run.phase,
        step: run.step,
        paused: run.paused(),
        applied: state.canary.applied,
        decision: decision.map(|d| d.text.clone()),
    };
    let line = json!({
        "at": now,
        "plan": run.spec.name,
        "step": run.step + 1,
        "of": n,
        "weight": step.weight,
        "canary_percent": state.canary.applied,
        "phase": run.phase.name(),
        "paused": run.paused(),
        "blind": run.blind,
        "hold_left_seconds": left,
        "breaches": run.breaches,
        "decision": decision.map(|d| &d.text),
        "decision_kind": kind,
        "reason": run.reason,
    });
    let text = format!(
        "{}  step {}/{n} {:>3}%  at gateway {:>4}  {:<9}{}{}  {}",
        now.format("%H:%M:%S"),
        run.step + 1,
        step.weight,
        state
            .canary
            .applied
            .map_or("?".to_string(), |p| format!("{p}%")),
        run.phase.name(),
        if run.paused() { " PAUSED" } else { "" },
        left.map_or(String::new(), |l| format!(" {l:.0}s left")),
        decision.map_or("", |d| d.text.as_str()),
    );
    Some((p, line, text))
}

pub(super) fn plan_run(config: &Config, file: Option<PathBuf>, json: bool) -> Result<i32> {
    let plan = match &file {
        Some(path) => config.canary.load_plan(path)?,
        None => config.canary.default_plan(),
    };
    let mut config = config.clone();
    // The guard's figures are read as often as the plan's guard says; only the guard reads
    // Prometheus here, so Prometheus is STALE only when it misses two of the guard's reads.
    config.canary.guard = plan.guard.clone();
    config.intervals.prometheus = config.intervals.prometheus.max(plan.guard.interval);
    let rt = tokio_runtime()?;
    rt.block_on(plan_loop(config, plan, json))
}

async fn plan_loop(config: Config, plan: driftdock::config::PlanFile, json: bool) -> Result<i32> {
    let docker = probes::docker::connect(&config).map_err(anyhow::Error::msg)?;
    let http = http(&config)?;
    let gateway = config.endpoints.gateway.expose().to_string();
    let mut state = runtime::initial_state(&config, false);
    state.canary.plan_spec = Some(runtime::plan_spec(&plan));
    // The plan starts from a known split, or not at all.
    let first = canary::read_applied(&http, &gateway)
        .await
        .map_err(anyhow::Error::msg)
        .context("the plan did not start")?;
    update(
        &mut state,
        Msg::Sample(Sample::ok(Utc::now(), Reading::Canary { percent: first })),
    );

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(1024);
    let _probes = probes::spawn_canary(&config, tx.clone());
    let clock = runtime::spawn_clock(tx.clone());
    let audit = AuditLog::new(audit::default_path(), "cli");
    let mut effects = Effects::new(docker, http, config, audit, tx.clone());
    drop(tx);

    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut interrupted = false;
    let mut last: Option<Progress> = None;

    let mut handle = |state: &mut State, msg: Msg, effects: &mut Effects| -> Result<()> {
        for cmd in update(state, msg) {
            effects.run(cmd);
        }
        if let Some((p, line, text)) = progress(state) {
            if last.as_ref() != Some(&p) {
                if json {
                    print_json(&line)?;
                } else {
                    crate::cli::write_stdout(&(text + "\n"))?;
                }
                last = Some(p);
            }
        }
        Ok(())
    };
    handle(&mut state, Msg::Canary(CanaryIntent::RunPlan), &mut effects)?;
    loop {
        let over = state.canary.plan.as_ref().is_none_or(|r| r.is_over());
        // Done or aborted, and no change of the split still in flight.
        if over
            && !state
                .running_effects
                .iter()
                .any(|n| n.starts_with("canary"))
        {
            break;
        }
        tokio::select! {
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                handle(&mut state, msg, &mut effects)?;
            }
            _ = sigint.recv(), if !interrupted => {
                interrupted = true;
                handle(&mut state, Msg::Canary(CanaryIntent::Abort), &mut effects)?;
            }
            _ = sigterm.recv(), if !interrupted => {
                interrupted = true;
                handle(&mut state, Msg::Canary(CanaryIntent::Abort), &mut effects)?;
            }
        }
    }
    clock.abort();
    let run = state.canary.plan.as_ref();
    let done = run.is_some_and(|r| r.phase == Phase::Done);
    let summary = json!({
        "result": if done { "done" } else { "aborted" },
        "reason": run.and_then(|r| r.reason.clone()),
        "canary_percent": state.canary.applied,
        "seconds": run.map(|r| (state.now - r.started_at).num_seconds()),
    });
    if json {
        print_json(&summary)?;
    } else if done {
        println!("plan done: v2 takes 100%");
    } else {
        println!(
            "plan ABORTED: {} (split now {})",
            run.and_then(|r| r.reason.clone()).unwrap_or_default(),
            state
                .canary
                .applied
                .map_or("unknown".to_string(), |p| format!("{p}%"))
        );
    }
    Ok(if done { 0 } else { 1 })
}
