//! `driftdock status`: the control room's figures, read once, as a table or `--json`. Exits 1
//! when any source is DOWN, so scripts and drills can gate on it.

use anyhow::Result;
use chrono::{DateTime, Utc};
use driftdock::app::msg::StatusCounts;
use driftdock::app::state::Freshness;
use driftdock::app::{update, Source, State};
use driftdock::config::Config;
use driftdock::ui::format::{age, bytes};
use driftdock::{probes, runtime};
use serde::Serialize;

#[derive(Serialize)]
struct SourceReport {
    source: &'static str,
    status: &'static str,
    age_seconds: Option<i64>,
    error: Option<String>,
}

#[derive(Serialize)]
struct ContainerReport {
    service: String,
    name: String,
    state: String,
    health: Option<String>,
    uptime_seconds: Option<i64>,
    restarts: u64,
    cpu_percent: Option<f64>,
    mem_bytes: Option<u64>,
    net_rx_bytes: Option<u64>,
    net_tx_bytes: Option<u64>,
}

#[derive(Serialize)]
struct TrafficReport {
    version: String,
    rps: f64,
    error_ratio: Option<f64>,
    p95_ms: Option<f64>,
}

#[derive(Serialize)]
struct Report {
    at: DateTime<Utc>,
    lab: String,
    project: String,
    sources: Vec<SourceReport>,
    containers: Vec<ContainerReport>,
    queue_depth: Option<u64>,
    queue_processing: Option<u64>,
    events: Option<StatusCounts>,
    oldest_queued_age_seconds: Option<i64>,
    traffic: Vec<TrafficReport>,
    canary_percent: Option<u8>,
    observed_v2_share: Option<f64>,
    down: bool,
}

fn report(state: &State) -> Report {
    let now = state.now;
    Report {
        at: now,
        lab: state.lab_name.clone(),
        project: state.project.clone(),
        sources: Source::ALL
            .iter()
            .map(|s| {
                let h = state.source(*s);
                // Every source was read just now, once: it answered or it is DOWN; STALE has
                // no meaning for a single reading.
                let (status, error) = match h.freshness(now) {
                    Freshness::Waiting => ("down", Some("no answer".to_string())),
                    Freshness::Fresh | Freshness::Stale => ("ok", None),
                    Freshness::Down(e) => ("down", Some(e)),
                };
                SourceReport {
                    source: s.name(),
                    status,
                    age_seconds: h.age(now).map(|d| d.num_seconds()),
                    error,
                }
            })
            .collect(),
        containers: state
            .containers
            .iter()
            .map(|r| ContainerReport {
                service: r.info.service.clone(),
                name: r.info.name.clone(),
                state: r.info.state.clone(),
                health: r.info.health.clone(),
                uptime_seconds: (r.info.state == "running")
                    .then_some(r.info.started_at)
                    .flatten()
                    .map(|t| (now - t).num_seconds()),
                restarts: r.info.restarts,
                cpu_percent: r.stats.as_ref().and_then(|s| s.cpu_percent),
                mem_bytes: r.stats.as_ref().map(|s| s.mem_bytes),
                net_rx_bytes: r.stats.as_ref().map(|s| s.net_rx),
                net_tx_bytes: r.stats.as_ref().map(|s| s.net_tx),
            })
            .collect(),
        queue_depth: state.queue.depth,
        queue_processing: state.queue.processing,
        events: state.events.counts,
        oldest_queued_age_seconds: state.events.oldest_queued.map(|t| (now - t).num_seconds()),
        traffic: state
            .traffic
            .versions
            .values()
            .map(|v| TrafficReport {
                version: v.version.clone(),
                rps: v.rps,
                error_ratio: v.error_ratio,
                p95_ms: v.p95_ms,
            })
            .collect(),
        canary_percent: state.canary.applied,
        observed_v2_share: state.observed_v2_share(),
        down: state.any_down()
            || Source::ALL
                .iter()
                .any(|s| state.source(*s).last_ok.is_none()),
    }
}

fn secs(n: i64) -> String {
    age(chrono::Duration::seconds(n))
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn table(r: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}) at {}",
        r.lab,
        r.project,
        r.at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "{:<11} {:<8} {:>6}  ERROR", "SOURCE", "STATUS", "AGE");
    for s in &r.sources {
        let _ = writeln!(
            out,
            "{:<11} {:<8} {:>6}  {}",
            s.source,
            s.status.to_uppercase(),
            s.age_seconds.map_or("-".into(), secs),
            s.error.as_deref().unwrap_or("")
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<11} {:<10} {:<9} {:>8} {:>4} {:>6} {:>9} {:>9} {:>9}",
        "SERVICE", "STATE", "HEALTH", "UPTIME", "RST", "CPU%", "MEM", "NET RX", "NET TX"
    );
    for c in &r.containers {
        let _ = writeln!(
            out,
            "{:<11} {:<10} {:<9} {:>8} {:>4} {:>6} {:>9} {:>9} {:>9}",
            c.service,
            c.state,
            c.health.as_deref().unwrap_or("-"),
            c.uptime_seconds.map_or("-".into(), secs),
            c.restarts,
            c.cpu_percent.map_or("-".into(), |v| format!("{v:.1}")),
            c.mem_bytes.map_or("-".into(), bytes),
            c.net_rx_bytes.map_or("-".into(), bytes),
            c.net_tx_bytes.map_or("-".into(), bytes),
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "queue: {} waiting, {} processing",
        opt(r.queue_depth),
        opt(r.queue_processing)
    );
    match &r.events {
        Some(e) => {
            let _ = writeln!(
                out,
                "events: {} queued, {} processing, {} done, {} failed; oldest queued {}",
                e.queued,
                e.processing,
                e.done,
                e.failed,
                r.oldest_queued_age_seconds.map_or("-".into(), secs)
            );
        }
        None => {
            let _ = writeln!(out, "events: -");
        }
    }
    for t in &r.traffic {
        let _ = writeln!(
            out,
            "traffic {}: {:.1} req/s, errors {}, p95 {}",
            t.version,
            t.rps,
            t.error_ratio
                .map_or("-".into(), |e| format!("{:.1}%", e * 100.0)),
            t.p95_ms.map_or("-".into(), |p| format!("{p:.0} ms"))
        );
    }
    let _ = writeln!(
        out,
        "canary: {} applied, {} of traffic on v2",
        r.canary_percent.map_or("-".into(), |p| format!("{p}%")),
        r.observed_v2_share
            .map_or("-".into(), |s| format!("{:.0}%", s * 100.0))
    );
    out
}

pub fn run(config: &Config, json: bool) -> Result<i32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let msgs = rt.block_on(probes::read_all_once(config));
    let mut state = runtime::initial_state(config, false);
    for msg in msgs {
        update(&mut state, msg);
    }
    state.now = Utc::now();
    let r = report(&state);
    let text = if json {
        serde_json::to_string_pretty(&r)? + "\n"
    } else {
        table(&r)
    };
    super::write_stdout(&text)?;
    Ok(if r.down { 1 } else { 0 })
}
