//! `driftdock canary status | set N | promote | abort | plan run [FILE]`: the canary keys'
//! headless twins. `plan run` drives the very plan state machine the control room runs, through
//! `update`, fed by the same probes, its Commands run by the same effects; it prints a line at
//! each change (JSON lines with `--json`) and exits 1 when the plan aborted.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use driftdock::app::msg::{CanaryIntent, VersionTraffic};
use driftdock::app::plan::{DecisionKind, Phase};
use driftdock::app::{update, Msg, Reading, Sample, State};
use driftdock::config::Config;
use driftdock::effects::canary::{self, CanaryTarget};
use driftdock::effects::runner::Effects;
use driftdock::probes::{self, prometheus};
use driftdock::record::audit::{self, AuditLog};
use driftdock::runtime;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand, Clone, Debug)]
pub enum CanaryAction {
    /// The split in force at the gateway, the share of traffic v2 really takes, and whether
    /// they agree. Exits 1 when the gateway or Prometheus cannot be read, 2 on a mismatch.
    Status,
    /// Send PERCENT of requests to v2 (0–100); the old split stays on any failure.
    Set {
        /// 0 to 100 (a trailing % is fine).
        #[arg(allow_hyphen_values = true)]
        percent: String,
    },
    /// v2 takes all traffic (100%).
    Promote,
    /// Back to v1 only (0%).
    Abort,
    /// Canary plans: steps of weight and hold under the guard.
    Plan {
        #[command(subcommand)]
        action: PlanAction,
    },
}

#[derive(Subcommand, Clone, Debug)]
pub enum PlanAction {
    /// Run a plan (the config's, or FILE's) to 100%, or until the guard aborts it (exit 1).
    /// Ctrl-C aborts the plan to 0% before leaving.
    Run {
        /// A plan file: `[[step]]` tables (weight, hold) and an optional `[guard]` table.
        file: Option<PathBuf>,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

fn http(config: &Config) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(config.timeouts.probe.max(Duration::from_secs(5)))
        .build()?)
}

fn print_json(v: &Value) -> Result<()> {
    super::write_stdout(&(serde_json::to_string(v)? + "\n"))?;
    Ok(())
}

pub fn run(config: &Config, action: CanaryAction, json: bool, readonly: bool) -> Result<i32> {
    let changes_lab = !matches!(action, CanaryAction::Status);
    if changes_lab && readonly {
        anyhow::bail!("read-only: the canary cannot be changed");
    }
    match action {
        CanaryAction::Status => status(config, json),
        CanaryAction::Set { percent } => {
            let text = percent.trim().trim_end_matches('%');
            match text.parse::<u8>() {
                Ok(p) if p <= 100 => set(config, p, "canary.set", json),
                _ => {
                    let msg = format!(
                        "`{percent}` is not a percentage from 0 to 100; the split stays as it is"
                    );
                    if json {
                        print_json(&json!({ "ok": false, "error": msg }))?;
                    } else {
                        eprintln!("driftdock canary set: {msg}");
                    }
                    Ok(2)
                }
            }
        }
        CanaryAction::Promote => set(config, 100, "canary.promote", json),
        CanaryAction::Abort => set(config, 0, "canary.abort", json),
        CanaryAction::Plan {
            action: PlanAction::Run { file },
        } => plan_run(config, file, json),
    }
}

fn set(config: &Config, to: u8, what: &str, json: bool) -> Result<i32> {
    let rt = runtime()?;
    let docker = probes::docker::connect(config).map_err(anyhow::Error::msg)?;
    let http = http(config)?;
    let audit = AuditLog::new(audit::default_path(), "cli");
    let gateway = config.endpoints.gateway.expose();
    let target = CanaryTarget {
        docker: &docker,
        http: &http,
        project: &config.lab.project,
        gateway_url: gateway,
        audit: &audit,
    };
    let (before, result, after) = rt.block_on(async {
        let before = canary::read_applied(&http, gateway).await.ok();
        let result = canary::set_as(&target, to, what, Value::Null).await;
        let after = canary::read_applied(&http, gateway).await.ok();
        (before, result, after)
    });
    let show = |p: Option<u8>| p.map_or("unknown".to_string(), |p| format!("{p}%"));
    if json {
        print_json(&json!({
            "ok": result.is_ok(),
            "what": what,
            "requested": to,
            "before": before,
            "canary_percent": after,
            "error": result.as_ref().err(),
        }))?;
    } else {
        match &result {
            Ok(p) => println!("canary {} → {p}% (in force at the gateway)", show(before)),
            Err(e) => eprintln!(
                "driftdock canary: {e}\nthe split in force is {}",
                show(after)
            ),
        }
    }
    Ok(if result.is_ok() { 0 } else { 1 })
}

#[derive(Serialize)]
struct VersionReport {
    version: String,
    rps: f64,
    error_ratio: Option<f64>,
    p95_ms: Option<f64>,
}

fn versions(v: &[VersionTraffic]) -> Vec<VersionReport> {
    v.iter()
        .map(|t| VersionReport {
            version: t.version.clone(),
            rps: t.rps,
            error_ratio: t.error_ratio,
            p95_ms: t.p95_ms,
        })
        .collect()
}

#[derive(Serialize)]
struct StatusReport {
    at: DateTime<Utc>,
    /// The split the gateway reports it applies.
    canary_percent: Option<u8>,
    gateway_error: Option<String>,
    /// v2's share of requests over the guard's window, and over Prometheus' 1 m.
    observed_v2_share: Option<f64>,
    observed_v2_share_1m: Option<f64>,
    window_seconds: u64,
    observed_rps: f64,
    /// The observed share in percent when it disagrees with the applied split.
    mismatch: bool,
    mismatch_observed_percent: Option<f64>,
    traffic: Vec<VersionReport>,
    traffic_1m: Vec<VersionReport>,
    /// What the guard would make of v2 now.
    guard: Option<String>,
    load_rps: Option<f64>,
    prometheus_error: Option<String>,
}

fn status(config: &Config, json: bool) -> Result<i32> {
    let rt = runtime()?;
    let http = http(config)?;
    let prom = config.endpoints.prometheus.expose();
    let window = config.canary.guard.window;
    let timeout = config.timeouts.probe;
    let (gw, recent, minute) = rt.block_on(async {
        tokio::join!(
            probes::runner::read_once(
                driftdock::app::Source::Gateway,
                timeout,
                probes::gateway::read(&http, config.endpoints.gateway.expose())
            ),
            probes::runner::read_once(
                driftdock::app::Source::Prometheus,
                timeout,
                prometheus::read_guard(&http, prom, window)
            ),
            probes::runner::read_once(
                driftdock::app::Source::Prometheus,
                timeout,
                prometheus::read(&http, prom)
            ),
        )
    });
    let mut state = runtime::initial_state(config, true);
    let errors = (gw.result.clone().err(), recent.result.clone().err());
    let recent_versions = match &recent.result {
        Ok(Reading::Guard { versions, .. }) => versions.clone(),
        _ => Vec::new(),
    };
    for s in [gw, minute, recent] {
        update(&mut state, Msg::Sample(s));
    }
    state.now = Utc::now();
    let mismatch = state.canary_mismatch();
    let spec = runtime::plan_spec(&config.canary.default_plan());
    let guard = (!recent_versions.is_empty()).then(|| {
        match driftdock::app::plan::judge(&spec.guard, &recent_versions) {
            driftdock::app::plan::Verdict::Healthy(t) => format!("would pass: {t}"),
            driftdock::app::plan::Verdict::NoData(t) => format!("cannot judge: {t}"),
            driftdock::app::plan::Verdict::Breach(t) => format!("would breach: {t}"),
        }
    });
    let report = StatusReport {
        at: state.now,
        canary_percent: state.canary.applied,
        gateway_error: errors.0,
        observed_v2_share: state.recent_v2_share(),
        observed_v2_share_1m: state.observed_v2_share(),
        window_seconds: window.as_secs(),
        observed_rps: recent_versions.iter().map(|v| v.rps).sum(),
        mismatch: mismatch.is_some(),
        mismatch_observed_percent: mismatch,
        traffic: versions(&recent_versions),
        traffic_1m: versions(&state.traffic.versions.values().cloned().collect::<Vec<_>>()),
        guard,
        load_rps: state.load.rps,
        prometheus_error: errors.1,
    };
    if json {
        super::write_stdout(&(serde_json::to_string_pretty(&report)? + "\n"))?;
    } else {
        super::write_stdout(&status_table(&report))?;
    }
    Ok(
        if report.gateway_error.is_some() || report.prometheus_error.is_some() {
            1
        } else if report.mismatch {
            2
        } else {
            0
        },
    )
}

fn pct(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn status_table(r: &StatusReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = match (&r.canary_percent, &r.gateway_error) {
        (Some(p), _) => writeln!(out, "applied:  {p}% to v2 (read back from the gateway)"),
        (None, e) => writeln!(
            out,
            "applied:  unknown: {}",
            e.as_deref().unwrap_or("no answer")
        ),
    };
    let _ = writeln!(
        out,
        "observed: {} of {:.1} req/s on v2 over {}s ({} over 1m)",
        pct(r.observed_v2_share),
        r.observed_rps,
        r.window_seconds,
        pct(r.observed_v2_share_1m)
    );
    let _ = match r.mismatch_observed_percent {
        Some(o) => writeln!(
            out,
            "MISMATCH: traffic {o:.0}% vs applied {}%",
            r.canary_percent.unwrap_or(0)
        ),
        None if r.observed_rps <= 0.0 => writeln!(out, "match:    no traffic to compare"),
        None => writeln!(out, "match:    ok"),
    };
    for t in &r.traffic {
        let _ = writeln!(
            out,
            "{}:       {:.1} req/s, errors {}, p95 {}",
            t.version,
            t.rps,
            pct(t.error_ratio),
            t.p95_ms.map_or("-".into(), |p| format!("{p:.0} ms"))
        );
    }
    if let Some(g) = &r.guard {
        let _ = writeln!(out, "guard:    {g}");
    }
    if let Some(l) = r.load_rps {
        let _ = writeln!(out, "load:     {l:.1} req/s");
    }
    if let Some(e) = &r.prometheus_error {
        let _ = writeln!(out, "prometheus: {e}");
    }
    out
}

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

fn plan_run(config: &Config, file: Option<PathBuf>, json: bool) -> Result<i32> {
    let plan = match &file {
        Some(path) => config.canary.load_plan(path)?,
        None => config.canary.default_plan(),
    };
    let mut config = config.clone();
    // The guard's figures are read as often as the plan's guard says; only the guard reads
    // Prometheus here, so Prometheus is STALE only when it misses two of the guard's reads.
    config.canary.guard = plan.guard.clone();
    config.intervals.prometheus = config.intervals.prometheus.max(plan.guard.interval);
    let rt = runtime()?;
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
                    super::write_stdout(&(text + "\n"))?;
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
