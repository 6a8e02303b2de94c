//! `driftdock canary status`: the split applied, the share observed, the guard's view.

use super::{http, tokio_runtime};
use anyhow::Result;
use chrono::{DateTime, Utc};
use driftdock::app::msg::VersionTraffic;
use driftdock::app::{update, Msg, Reading};
use driftdock::config::Config;
use driftdock::probes::{self, prometheus};
use driftdock::runtime;
use serde::Serialize;

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

pub(super) fn status(config: &Config, json: bool) -> Result<i32> {
    let rt = tokio_runtime()?;
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
        crate::cli::write_stdout(&(serde_json::to_string_pretty(&report)? + "\n"))?;
    } else {
        crate::cli::write_stdout(&status_table(&report))?;
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
