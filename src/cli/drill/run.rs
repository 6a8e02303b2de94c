//! `driftdock drill run`: the drill state machine the control room runs, headless: the same
//! probes, the same `update`, the same effects. One line per timeline entry as it happens;
//! the report and journal at the end.

use anyhow::{Context, Result};
use chrono::Utc;
use driftdock::app::drill::{DrillMsg, DrillSpec};
use driftdock::app::{update, Msg, State};
use driftdock::config::Config;
use driftdock::drill::report;
use driftdock::effects::runner::Effects;
use driftdock::probes;
use driftdock::record::audit::{self, AuditLog};
use driftdock::runtime;
use std::path::PathBuf;
use std::time::Duration;

pub fn run(config: &Config, spec: DrillSpec, out: Option<PathBuf>, json: bool) -> Result<i32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(drill_loop(config.clone(), spec, out, json))
}

fn print(state: &State, printed: &mut usize, json: bool) -> Result<()> {
    let Some(run) = &state.drill else {
        return Ok(());
    };
    for e in &run.timeline[*printed..] {
        let line = if json {
            serde_json::to_string(e)?
        } else {
            format!("{:>6.1}s  {:<9}  {}", e.elapsed, e.kind.word(), e.text)
        };
        crate::cli::write_stdout(&(line + "\n"))?;
    }
    *printed = run.timeline.len();
    Ok(())
}

async fn drill_loop(
    config: Config,
    spec: DrillSpec,
    out: Option<PathBuf>,
    json: bool,
) -> Result<i32> {
    let docker = probes::docker::connect(&config).map_err(anyhow::Error::msg)?;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .build()?;
    let mut state = runtime::initial_state(&config, false);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(4096);
    let _probes = probes::spawn_all(&config, docker.clone(), tx.clone());
    let clock = runtime::spawn_clock(tx.clone());
    let audit = AuditLog::new(audit::default_path(), "drill");
    let mut effects = Effects::new(docker, http, config, audit, tx.clone());
    drop(tx);

    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut printed = 0;
    let mut handle = |state: &mut State, msg: Msg, effects: &mut Effects| -> Result<()> {
        for cmd in update(state, msg) {
            effects.run(cmd);
        }
        print(state, &mut printed, json)
    };
    handle(&mut state, Msg::Tick(Utc::now()), &mut effects)?;
    handle(
        &mut state,
        Msg::Drill(DrillMsg::Loaded(Box::new(spec))),
        &mut effects,
    )?;
    handle(&mut state, Msg::Drill(DrillMsg::Start), &mut effects)?;
    let mut interrupted = false;
    while !state.drill.as_ref().is_none_or(|r| r.is_over()) {
        tokio::select! {
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                handle(&mut state, msg, &mut effects)?;
            }
            _ = sigint.recv(), if !interrupted => {
                interrupted = true;
                handle(&mut state, Msg::Drill(DrillMsg::Interrupted), &mut effects)?;
            }
            _ = sigterm.recv(), if !interrupted => {
                interrupted = true;
                handle(&mut state, Msg::Drill(DrillMsg::Interrupted), &mut effects)?;
            }
        }
    }
    clock.abort();
    // Whatever the drill's rollbacks missed, this process's faults end with it.
    let _ = tokio::time::timeout(Duration::from_secs(30), effects.undo_own_faults()).await;
    let run = state.drill.as_ref().context("the drill was lost")?;
    let score = run.score();
    if let Some(md) = &out {
        std::fs::write(md, report::markdown(run))
            .with_context(|| format!("writing {}", md.display()))?;
        let journal = md.with_extension("json");
        std::fs::write(
            &journal,
            serde_json::to_string_pretty(&report::journal(run))? + "\n",
        )
        .with_context(|| format!("writing {}", journal.display()))?;
    }
    let fmt = |v: Option<f64>| v.map_or("–".to_string(), |s| format!("{s:.1}s"));
    if json {
        crate::cli::write_stdout(&(serde_json::to_string(&score)? + "\n"))?;
    } else {
        println!(
            "{}: {} · detect {} · recover {} · objectives {}/{}",
            run.spec.title,
            score.outcome.describe(),
            fmt(score.time_to_detect_secs),
            fmt(score.time_to_recover_secs),
            score.objectives_met,
            score.objectives
        );
    }
    Ok(if score.held { 0 } else { 1 })
}
