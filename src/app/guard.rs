//! The canary guard: judges v2's figures against absolute limits and against v1, one sample
//! at a time. The plan counts the breaches; this only says what one sample shows.

use super::msg::VersionTraffic;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Guard {
    pub max_error_ratio: f64,
    pub max_p95_ms: f64,
    pub max_error_ratio_over_v1: f64,
    pub consecutive: u32,
    pub min_v2_rps: f64,
    /// The rate window the samples are measured over, for the record.
    pub window_secs: u64,
}

/// The same figures as the config's `[canary.guard]` defaults (a test in tests/app_plan.rs
/// keeps them equal); the app cannot read the config itself.
impl Default for Guard {
    fn default() -> Self {
        Guard {
            max_error_ratio: 0.05,
            max_p95_ms: 500.0,
            max_error_ratio_over_v1: 0.02,
            consecutive: 3,
            min_v2_rps: 0.2,
            window_secs: 30,
        }
    }
}

/// What the guard made of one sample.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Healthy(String),
    NoData(String),
    Breach(String),
}

fn pct(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

/// Judges v2 against the guard's limits and against v1.
pub fn judge(guard: &Guard, versions: &[VersionTraffic]) -> Verdict {
    let find = |v: &str| versions.iter().find(|t| t.version == v);
    let (v1, v2) = (find("v1"), find("v2"));
    let v2_rps = v2.map_or(0.0, |t| t.rps);
    if v2_rps < guard.min_v2_rps || v2_rps == 0.0 {
        return Verdict::NoData(format!(
            "v2 at {v2_rps:.2} rps, below {} rps: nothing to judge",
            guard.min_v2_rps
        ));
    }
    let v2 = v2.expect("v2 has traffic");
    let e2 = v2.error_ratio.unwrap_or(0.0);
    // v1 with no traffic (at 100%) has no error ratio to compare with.
    let e1 = v1
        .filter(|t| t.rps > 0.0)
        .map(|t| t.error_ratio.unwrap_or(0.0));
    let mut why = Vec::new();
    if e2 > guard.max_error_ratio {
        why.push(format!(
            "v2 errors {} > {}",
            pct(e2),
            pct(guard.max_error_ratio)
        ));
    }
    if let Some(p95) = v2.p95_ms.filter(|p| *p > guard.max_p95_ms) {
        why.push(format!("v2 p95 {p95:.0} ms > {:.0} ms", guard.max_p95_ms));
    }
    if let Some(e1) = e1.filter(|e1| e2 - e1 > guard.max_error_ratio_over_v1) {
        why.push(format!(
            "v2 errors {} vs v1 {} (> +{})",
            pct(e2),
            pct(e1),
            pct(guard.max_error_ratio_over_v1)
        ));
    }
    let figures = format!(
        "v2 errors {}, p95 {}; v1 errors {}",
        pct(e2),
        v2.p95_ms.map_or("-".into(), |p| format!("{p:.0} ms")),
        e1.map_or("-".into(), pct)
    );
    if why.is_empty() {
        Verdict::Healthy(figures)
    } else {
        Verdict::Breach(why.join("; "))
    }
}

/// The sample's figures as the audit line records them.
pub fn figures(versions: &[VersionTraffic]) -> Value {
    let mut out = serde_json::Map::new();
    for v in versions {
        out.insert(
            v.version.clone(),
            json!({ "rps": v.rps, "error_ratio": v.error_ratio, "p95_ms": v.p95_ms }),
        );
    }
    Value::Object(out)
}
