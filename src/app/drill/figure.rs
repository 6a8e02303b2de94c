//! The live figures a drill reads from State, by name. A figure whose source is DOWN, STALE or
//! not heard from yet is unknown: a check on it is neither green nor red.

use crate::app::msg::{Source, VersionTraffic};
use crate::app::state::{Freshness, State};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Figure {
    QueueDepth,
    QueueProcessing,
    /// Postgres `events` rows: queued, processing, done, failed, total.
    Events(String),
    /// Per version (`v1`, `v2`): error_ratio, p95_ms, rps.
    Version(String, String),
    /// 5xx share over every version.
    ErrorRatio,
    CanaryPercent,
    LoadRps,
    /// Containers that are not running, or say they are unhealthy (the load generator aside).
    ContainersUnhealthy,
    ContainersRunning,
    /// 1 while the source answers, 0 while it is DOWN.
    SourceUp(Source),
    /// 1 while the service's container runs and is not unhealthy, else 0.
    ServiceUp(String),
}

const EVENTS: [&str; 5] = ["queued", "processing", "done", "failed", "total"];
const VERSIONS: [&str; 2] = ["v1", "v2"];
const VERSION_FIGURES: [&str; 3] = ["error_ratio", "p95_ms", "rps"];
/// Services the lab may run without: its absence is no fault.
const OPTIONAL: [&str; 1] = ["load"];

/// Every fixed name, for the error that lists what is known.
pub const NAMES: &str =
    "queue.depth, queue.processing, events.{queued,processing,done,failed,total}, \
     v1|v2.{error_ratio,p95_ms,rps}, error_ratio, canary.percent, load.rps, \
     containers.unhealthy, containers.running, {docker,redis,postgres,prometheus,gateway}.up, \
     up.SERVICE";

impl Figure {
    pub fn parse(name: &str) -> Result<Figure, String> {
        let unknown = || format!("unknown figure `{name}`; expected one of {NAMES}");
        let (head, tail) = name.split_once('.').unwrap_or((name, ""));
        Ok(match (head, tail) {
            ("queue", "depth") => Figure::QueueDepth,
            ("queue", "processing") => Figure::QueueProcessing,
            ("events", t) if EVENTS.contains(&t) => Figure::Events(t.to_string()),
            ("error_ratio", "") => Figure::ErrorRatio,
            ("canary", "percent") => Figure::CanaryPercent,
            ("load", "rps") => Figure::LoadRps,
            ("containers", "unhealthy") => Figure::ContainersUnhealthy,
            ("containers", "running") => Figure::ContainersRunning,
            ("up", s)
                if !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Figure::ServiceUp(s.to_string())
            }
            (v, t) if VERSIONS.contains(&v) && VERSION_FIGURES.contains(&t) => {
                Figure::Version(v.to_string(), t.to_string())
            }
            (s, "up") => Figure::SourceUp(
                Source::ALL
                    .into_iter()
                    .find(|x| x.name() == s)
                    .ok_or_else(unknown)?,
            ),
            _ => return Err(unknown()),
        })
    }

    pub fn name(&self) -> String {
        match self {
            Figure::QueueDepth => "queue.depth".into(),
            Figure::QueueProcessing => "queue.processing".into(),
            Figure::Events(e) => format!("events.{e}"),
            Figure::Version(v, f) => format!("{v}.{f}"),
            Figure::ErrorRatio => "error_ratio".into(),
            Figure::CanaryPercent => "canary.percent".into(),
            Figure::LoadRps => "load.rps".into(),
            Figure::ContainersUnhealthy => "containers.unhealthy".into(),
            Figure::ContainersRunning => "containers.running".into(),
            Figure::SourceUp(s) => format!("{}.up", s.name()),
            Figure::ServiceUp(s) => format!("up.{s}"),
        }
    }

    /// When the figure's source last answered: an await judges only readings newer than
    /// its step, so a fault just applied is not missed by a reading from before it.
    pub fn measured_at(&self, state: &State) -> Option<chrono::DateTime<chrono::Utc>> {
        state.source(self.source()).last_ok
    }

    fn source(&self) -> Source {
        match self {
            Figure::QueueDepth | Figure::QueueProcessing => Source::Redis,
            Figure::Events(_) => Source::Postgres,
            Figure::Version(..) | Figure::ErrorRatio | Figure::LoadRps => Source::Prometheus,
            Figure::CanaryPercent => Source::Gateway,
            Figure::ContainersUnhealthy | Figure::ContainersRunning | Figure::ServiceUp(_) => {
                Source::Docker
            }
            Figure::SourceUp(s) => *s,
        }
    }

    /// The figure now: a number, or why it is not known.
    pub fn read(&self, state: &State) -> Result<f64, String> {
        let source = self.source();
        match (self, state.freshness(source)) {
            (Figure::SourceUp(_), Freshness::Fresh) => return Ok(1.0),
            (Figure::SourceUp(_), Freshness::Down(_)) => return Ok(0.0),
            (_, Freshness::Down(e)) => return Err(format!("{} DOWN: {e}", source.name())),
            (_, Freshness::Stale) => return Err(format!("{} STALE", source.name())),
            (_, Freshness::Waiting) => return Err(format!("waiting for {}", source.name())),
            (_, Freshness::Fresh) => {}
        }
        let none = || format!("{} not measured", self.name());
        let n = |v: Option<u64>| v.map(|v| v as f64).ok_or_else(none);
        match self {
            Figure::QueueDepth => n(state.queue.depth),
            Figure::QueueProcessing => n(state.queue.processing),
            Figure::Events(e) => {
                let c = state.events.counts.ok_or_else(none)?;
                Ok(match e.as_str() {
                    "queued" => c.queued,
                    "processing" => c.processing,
                    "done" => c.done,
                    "failed" => c.failed,
                    _ => c.total(),
                } as f64)
            }
            Figure::Version(v, f) => {
                let t = versions(state).into_iter().find(|t| t.version == *v);
                let t = t.ok_or_else(|| format!("no {v} traffic"))?;
                match f.as_str() {
                    "rps" => Ok(t.rps),
                    "p95_ms" => t.p95_ms.ok_or_else(|| format!("no {v} traffic")),
                    _ => t.error_ratio.ok_or_else(|| format!("no {v} traffic")),
                }
            }
            Figure::ErrorRatio => {
                let vs = versions(state);
                let rps: f64 = vs.iter().map(|t| t.rps).sum();
                let errors: f64 = vs
                    .iter()
                    .map(|t| t.rps * t.error_ratio.unwrap_or(0.0))
                    .sum();
                if rps > 0.0 {
                    Ok(errors / rps)
                } else {
                    Err("no traffic".into())
                }
            }
            Figure::CanaryPercent => n(state.canary.applied.map(u64::from)),
            Figure::LoadRps => state.load.rps.ok_or_else(none),
            Figure::ContainersUnhealthy => Ok(state
                .containers
                .iter()
                .filter(|r| !OPTIONAL.contains(&r.info.service.as_str()) && !healthy(r))
                .count() as f64),
            Figure::ContainersRunning => Ok(state
                .containers
                .iter()
                .filter(|r| r.info.state == "running")
                .count() as f64),
            Figure::ServiceUp(s) => Ok(f64::from(u8::from(
                state
                    .containers
                    .iter()
                    .any(|r| &r.info.service == s && healthy(r)),
            ))),
            Figure::SourceUp(_) => Err(none()),
        }
    }
}

fn healthy(r: &crate::app::state::ContainerRow) -> bool {
    r.info.state == "running" && r.info.health.as_deref() != Some("unhealthy")
}

/// Per-version figures: the guard's short window when it has been read (it moves sooner),
/// else Prometheus' minute.
fn versions(state: &State) -> Vec<VersionTraffic> {
    match &state.canary.recent {
        Some(r) => r.versions.clone(),
        None => state.traffic.versions.values().cloned().collect(),
    }
}

impl TryFrom<String> for Figure {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Figure::parse(&s)
    }
}

impl From<Figure> for String {
    fn from(f: Figure) -> String {
        f.name()
    }
}
