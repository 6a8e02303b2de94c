//! Everything the screen shows, and nothing the screen does not need.

use super::chaos::ChaosState;
use super::msg::{ContainerInfo, ContainerStats, Source, StatusCounts, VersionTraffic};
use super::plan::{PlanRun, PlanSpec};
use super::show::ShowState;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, VecDeque};

pub use super::series::Series;

/// Points kept per series: at the probes' intervals, several minutes of history.
pub const SERIES_CAP: usize = 240;
/// Log lines kept for the followed container.
pub const LOG_CAP: usize = 2000;

/// How current a source is, judged against `State::now`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// No answer yet.
    Waiting,
    Fresh,
    /// No answer for two intervals.
    Stale,
    /// The last attempt failed.
    Down(String),
}

/// What is known of one source's health.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceHealth {
    pub interval: Duration,
    pub last_ok: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    /// The error of the last attempt, when it failed.
    pub error: Option<String>,
}

impl SourceHealth {
    pub fn new(interval: Duration) -> Self {
        SourceHealth {
            interval,
            last_ok: None,
            last_attempt: None,
            error: None,
        }
    }

    pub fn freshness(&self, now: DateTime<Utc>) -> Freshness {
        if let Some(err) = &self.error {
            return Freshness::Down(err.clone());
        }
        match self.last_ok {
            None => Freshness::Waiting,
            Some(at) if now - at > self.interval * 2 => Freshness::Stale,
            Some(_) => Freshness::Fresh,
        }
    }

    /// Age of the last good value.
    pub fn age(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.last_ok.map(|at| now - at)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Panel {
    Containers,
    Queue,
    Events,
    Traffic,
    Canary,
    Logs,
    Backups,
}

impl Panel {
    /// Tab order.
    pub const ALL: [Panel; 7] = [
        Panel::Containers,
        Panel::Logs,
        Panel::Queue,
        Panel::Events,
        Panel::Traffic,
        Panel::Canary,
        Panel::Backups,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Panel::Containers => "Containers",
            Panel::Queue => "Queue",
            Panel::Events => "Events",
            Panel::Traffic => "Traffic",
            Panel::Canary => "Canary",
            Panel::Logs => "Logs",
            Panel::Backups => "Backups",
        }
    }

    /// The source whose freshness decides this panel's badge.
    pub fn source(self) -> Source {
        match self {
            Panel::Containers | Panel::Logs => Source::Docker,
            Panel::Queue => Source::Redis,
            Panel::Events | Panel::Backups => Source::Postgres,
            Panel::Traffic => Source::Prometheus,
            Panel::Canary => Source::Gateway,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ContainerRow {
    pub info: ContainerInfo,
    pub stats: Option<ContainerStats>,
    pub stats_at: Option<DateTime<Utc>>,
    /// The last Docker event seen for it, and when.
    pub last_event: Option<(DateTime<Utc>, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QueueState {
    pub depth: Option<u64>,
    pub processing: Option<u64>,
    pub depth_series: Series,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventsState {
    pub counts: Option<StatusCounts>,
    pub oldest_queued: Option<DateTime<Utc>>,
    /// Events created per second (Δ total / Δt between Postgres readings).
    pub in_rate: Option<f64>,
    /// Events finished (done or failed) per second.
    pub out_rate: Option<f64>,
    pub in_series: Series,
    pub out_series: Series,
    /// The previous reading the rates are measured from.
    pub prev: Option<(DateTime<Utc>, StatusCounts)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrafficState {
    pub versions: BTreeMap<String, VersionTraffic>,
    pub rps_series: BTreeMap<String, Series>,
    pub error_series: BTreeMap<String, Series>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CanaryState {
    /// The split the gateway reports it is applying (percent to v2).
    pub applied: Option<u8>,
    /// When the gateway was first seen applying a new split; None when it has not changed
    /// since the first reading.
    pub applied_since: Option<DateTime<Utc>>,
    /// What `+`/`-` move it by.
    pub step: u8,
    /// The plan `p` runs.
    pub plan_spec: Option<PlanSpec>,
    /// The plan running, or the last one that ran.
    pub plan: Option<PlanRun>,
    /// Per-version figures over the guard's short window.
    pub recent: Option<Recent>,
}

/// Prometheus' figures over the guard's short window.
#[derive(Clone, Debug, PartialEq)]
pub struct Recent {
    pub at: DateTime<Utc>,
    pub window_secs: u64,
    pub versions: Vec<VersionTraffic>,
}

/// Observed and applied shares may drift this many points apart before it is called out.
pub const MISMATCH_POINTS: f64 = 10.0;
/// Below this many requests per second the observed share is noise.
pub const MISMATCH_MIN_RPS: f64 = 1.0;

impl CanaryState {
    /// A plan is steering the split: manual changes would fight it.
    pub fn plan_active(&self) -> bool {
        self.plan.as_ref().is_some_and(PlanRun::is_active)
    }
}

/// The lab's load generator.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadState {
    /// Requests per second it sent over the guard's window; None until measured, 0 when off.
    pub rps: Option<f64>,
    /// The rate `L` starts it at.
    pub rate: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LogsState {
    pub container_id: Option<String>,
    pub lines: VecDeque<String>,
    pub follow: bool,
    /// Lines scrolled up from the end when not following.
    pub scroll: usize,
    pub filter: String,
}

/// The text input modes, each with its buffer.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    Normal,
    Filter(String),
    Command(String),
    Help,
    ConfirmQuit,
    /// A restore waiting for its backup's id to be typed back.
    Confirm(super::backups::Confirm),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastLevel {
    Info,
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    pub at: DateTime<Utc>,
    pub level: ToastLevel,
    pub text: String,
}

/// How long a toast stays on screen.
pub const TOAST_SECS: i64 = 6;

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub lab_name: String,
    pub project: String,
    pub now: DateTime<Utc>,
    pub readonly: bool,
    pub size: (u16, u16),
    pub focus: Panel,
    pub mode: Mode,
    pub sources: Vec<SourceHealth>,
    pub containers: Vec<ContainerRow>,
    /// Index into the *visible* (filtered) container rows.
    pub selected: usize,
    pub container_filter: String,
    pub queue: QueueState,
    pub events: EventsState,
    pub traffic: TrafficState,
    pub canary: CanaryState,
    pub load: LoadState,
    pub chaos: ChaosState,
    pub backups: super::backups::BackupsState,
    pub logs: LogsState,
    pub toasts: Vec<Toast>,
    /// Effects started and not yet finished, by name.
    pub running_effects: Vec<String>,
    /// Thresholds that colour figures.
    pub thresholds: Thresholds,
    /// The keystroke overlay and the presenter theme.
    pub show: ShowState,
    /// The drill loaded (running, or scored), if any.
    pub drill: Option<super::drill::DrillRun>,
    /// The drill panel is on screen.
    pub show_drill: bool,
    pub quit: bool,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Thresholds {
    pub error_ratio: f64,
    pub p95_ms: f64,
    pub queue_depth: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            error_ratio: 0.01,
            p95_ms: 500.0,
            queue_depth: 100,
        }
    }
}

impl State {
    /// A State with nothing measured yet; `intervals` are the probes' intervals by source.
    pub fn new(
        lab_name: impl Into<String>,
        project: impl Into<String>,
        now: DateTime<Utc>,
        intervals: [Duration; 5],
    ) -> Self {
        State {
            lab_name: lab_name.into(),
            project: project.into(),
            now,
            readonly: false,
            size: (80, 24),
            focus: Panel::Containers,
            mode: Mode::Normal,
            sources: intervals.iter().map(|i| SourceHealth::new(*i)).collect(),
            containers: Vec::new(),
            selected: 0,
            container_filter: String::new(),
            queue: QueueState {
                depth: None,
                processing: None,
                depth_series: Series::new(SERIES_CAP),
            },
            events: EventsState {
                counts: None,
                oldest_queued: None,
                in_rate: None,
                out_rate: None,
                in_series: Series::new(SERIES_CAP),
                out_series: Series::new(SERIES_CAP),
                prev: None,
            },
            traffic: TrafficState {
                versions: BTreeMap::new(),
                rps_series: BTreeMap::new(),
                error_series: BTreeMap::new(),
            },
            canary: CanaryState {
                applied: None,
                applied_since: None,
                step: 5,
                plan_spec: None,
                plan: None,
                recent: None,
            },
            load: LoadState {
                rps: None,
                rate: 10,
            },
            chaos: ChaosState::default(),
            backups: Default::default(),
            logs: LogsState {
                container_id: None,
                lines: VecDeque::new(),
                follow: true,
                scroll: 0,
                filter: String::new(),
            },
            toasts: Vec::new(),
            running_effects: Vec::new(),
            thresholds: Thresholds::default(),
            show: ShowState::default(),
            drill: None,
            show_drill: false,
            quit: false,
        }
    }

    pub fn source(&self, source: Source) -> &SourceHealth {
        &self.sources[source.index()]
    }

    pub fn freshness(&self, source: Source) -> Freshness {
        self.source(source).freshness(self.now)
    }

    /// The container rows the filter lets through, in display order.
    pub fn visible_containers(&self) -> Vec<&ContainerRow> {
        let f = self.container_filter.to_lowercase();
        self.containers
            .iter()
            .filter(|r| {
                f.is_empty()
                    || r.info.service.to_lowercase().contains(&f)
                    || r.info.name.to_lowercase().contains(&f)
                    || r.info.state.to_lowercase().contains(&f)
            })
            .collect()
    }

    pub fn selected_container(&self) -> Option<&ContainerRow> {
        self.visible_containers().get(self.selected).copied()
    }

    /// Log lines the logs filter lets through.
    pub fn visible_logs(&self) -> Vec<&str> {
        let f = self.logs.filter.to_lowercase();
        self.logs
            .lines
            .iter()
            .filter(|l| f.is_empty() || l.to_lowercase().contains(&f))
            .map(String::as_str)
            .collect()
    }

    /// Share of requests v2 served, from Prometheus' per-version rates.
    pub fn observed_v2_share(&self) -> Option<f64> {
        let rps = |v: &str| self.traffic.versions.get(v).map(|t| t.rps).unwrap_or(0.0);
        let total = rps("v1") + rps("v2");
        (total > 0.0).then(|| rps("v2") / total)
    }

    /// Share of requests v2 served over the guard's short window, when it has been read.
    pub fn recent_v2_share(&self) -> Option<f64> {
        let recent = self.canary.recent.as_ref()?;
        let rps = |v: &str| {
            recent
                .versions
                .iter()
                .find(|t| t.version == v)
                .map_or(0.0, |t| t.rps)
        };
        let total = rps("v1") + rps("v2");
        (total > 0.0).then(|| rps("v2") / total)
    }

    /// The observed v2 share in percent when it disagrees with the applied split by more than
    /// `MISMATCH_POINTS`, with enough traffic to judge by. The guard's short window is used
    /// when it has been read, else Prometheus' 1 m; a split changed less than a window ago is
    /// still blending in, and is not called a mismatch yet.
    pub fn canary_mismatch(&self) -> Option<f64> {
        let applied = f64::from(self.canary.applied?);
        let window = self.canary.recent.as_ref().map_or(60, |r| r.window_secs);
        if self
            .canary
            .applied_since
            .is_some_and(|since| self.now - since < Duration::seconds(window as i64))
        {
            return None;
        }
        let (share, rps) = match &self.canary.recent {
            Some(recent) => (
                self.recent_v2_share()?,
                recent.versions.iter().map(|v| v.rps).sum::<f64>(),
            ),
            None => (
                self.observed_v2_share()?,
                self.traffic.versions.values().map(|v| v.rps).sum(),
            ),
        };
        let observed = share * 100.0;
        (rps > MISMATCH_MIN_RPS && (observed - applied).abs() > MISMATCH_POINTS).then_some(observed)
    }

    /// Toasts still on screen.
    pub fn live_toasts(&self) -> impl Iterator<Item = &Toast> {
        let now = self.now;
        self.toasts
            .iter()
            .filter(move |t| now - t.at < Duration::seconds(TOAST_SECS))
    }

    /// True when any source is DOWN: `driftdock status` exits non-zero then.
    pub fn any_down(&self) -> bool {
        Source::ALL
            .iter()
            .any(|s| matches!(self.freshness(*s), Freshness::Down(_)))
    }
}
