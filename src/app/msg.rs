//! What happened: every input to `update` is one of these.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use serde::{Deserialize, Serialize};

/// The sources the control room reads, each with its own freshness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Docker,
    Redis,
    Postgres,
    Prometheus,
    Gateway,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Source::Docker,
        Source::Redis,
        Source::Postgres,
        Source::Prometheus,
        Source::Gateway,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Source::Docker => "docker",
            Source::Redis => "redis",
            Source::Postgres => "postgres",
            Source::Prometheus => "prometheus",
            Source::Gateway => "gateway",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One container of the lab as Docker reports it (list, inspect or an event).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerInfo {
    pub id: String,
    pub name: String,
    /// The compose service (`com.docker.compose.service`).
    pub service: String,
    /// running, paused, exited, restarting, created, dead.
    pub state: String,
    /// healthy, unhealthy, starting; None without a healthcheck.
    pub health: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub restarts: u64,
    pub exit_code: Option<i64>,
}

/// One stats reading of one container, already reduced to what the screen shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerStats {
    pub id: String,
    /// Docker's CPU %: Δcontainer / Δsystem × online CPUs × 100; None on the first sample.
    pub cpu_percent: Option<f64>,
    /// usage − inactive file cache.
    pub mem_bytes: u64,
    pub mem_limit: u64,
    pub net_rx: u64,
    pub net_tx: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub queued: u64,
    pub processing: u64,
    pub done: u64,
    pub failed: u64,
}

impl StatusCounts {
    pub fn total(&self) -> u64 {
        self.queued + self.processing + self.done + self.failed
    }
    pub fn finished(&self) -> u64 {
        self.done + self.failed
    }
}

/// Per-version traffic figures from Prometheus.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionTraffic {
    pub version: String,
    pub rps: f64,
    /// 5xx share of requests, 0..1; None when there was no traffic.
    pub error_ratio: Option<f64>,
    pub p95_ms: Option<f64>,
}

/// A reading from one probe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reading {
    /// Every container of the lab's project (a full list replaces what is known).
    Containers(Vec<ContainerInfo>),
    /// Stats of the running containers.
    Stats(Vec<ContainerStats>),
    /// Redis: jobs waiting and jobs being worked on.
    Queue { depth: u64, processing: u64 },
    /// Postgres: events by status and the oldest queued one.
    Events {
        counts: StatusCounts,
        oldest_queued: Option<DateTime<Utc>>,
    },
    /// Prometheus: per-version traffic.
    Traffic(Vec<VersionTraffic>),
    /// The gateway: the canary percentage it is applying.
    Canary { percent: u8 },
    /// Prometheus over the canary guard's short window: per-version traffic, and the load
    /// generator's rate (0 when it sends nothing).
    Guard {
        window_secs: u64,
        versions: Vec<VersionTraffic>,
        load_rps: f64,
    },
}

impl Reading {
    pub fn source(&self) -> Source {
        match self {
            Reading::Containers(_) | Reading::Stats(_) => Source::Docker,
            Reading::Queue { .. } => Source::Redis,
            Reading::Events { .. } => Source::Postgres,
            Reading::Traffic(_) | Reading::Guard { .. } => Source::Prometheus,
            Reading::Canary { .. } => Source::Gateway,
        }
    }
}

/// A probe's answer: a reading or the error that stood in its way, stamped with its time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub source: Source,
    pub at: DateTime<Utc>,
    pub result: Result<Reading, String>,
}

impl Sample {
    pub fn ok(at: DateTime<Utc>, reading: Reading) -> Self {
        Sample {
            source: reading.source(),
            at,
            result: Ok(reading),
        }
    }
    pub fn err(source: Source, at: DateTime<Utc>, message: impl Into<String>) -> Self {
        Sample {
            source,
            at,
            result: Err(message.into()),
        }
    }
}

/// A Docker event about one lab container, with the container as inspected right after it
/// (None once the container is gone).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContainerEvent {
    pub at: DateTime<Utc>,
    pub id: String,
    /// Docker's action: start, die, kill, pause, health_status: healthy, destroy…
    pub action: String,
    pub info: Option<ContainerInfo>,
}

/// How an effect went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EffectOutcome {
    Started,
    Done(String),
    Failed(String),
}

/// What can be asked of the canary besides setting a split; keys and the headless runner
/// both say it this way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CanaryIntent {
    /// Start the plan.
    RunPlan,
    /// Pause or resume the plan.
    TogglePause,
    /// Straight to 100% (a running plan ends there).
    Promote,
    /// Back to 0% (a running plan ends there).
    Abort,
}

/// A fault in force on a lab container, as the control room shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultView {
    pub id: String,
    pub service: String,
    pub container_id: String,
    /// `pause`, `latency 300ms ±50ms`…
    pub what: String,
    pub deadline: DateTime<Utc>,
}

/// What the chaos effects report back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FaultEvent {
    /// In the ledger and in force (just applied, or found there at start).
    Active(FaultView),
    /// Undone (or found undone by someone else) and out of the ledger.
    Cleared { id: String },
    /// The undo failed; it stays in the ledger and is tried again.
    UndoFailed { id: String, error: String },
}

/// Serializable so a run's messages can be journaled and replayed (`record::journal`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The clock moved on; ages and staleness are measured against it.
    Tick(DateTime<Utc>),
    Sample(Sample),
    ContainerEvent(ContainerEvent),
    /// New log lines of the followed container.
    Logs {
        container_id: String,
        lines: Vec<String>,
    },
    Effect {
        name: String,
        at: DateTime<Utc>,
        outcome: EffectOutcome,
    },
    Canary(CanaryIntent),
    Fault(FaultEvent),
    /// A backup operation's list, progress or end.
    Backup(super::backups::BackupEvent),
    /// A drill loaded, started, paused or aborted.
    Drill(super::drill::DrillMsg),
}
