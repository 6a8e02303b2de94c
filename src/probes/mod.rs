//! Async readers, one file per source. Each runs as its own task with its own interval,
//! timeout and backoff, and sends `Msg::Sample` down the one channel, so a source that hangs
//! holds up nothing else. Docker's container state comes from its events stream
//! (`docker::watch_events`); only stats are polled.

pub mod docker;
pub mod gateway;
pub mod logs;
pub mod postgres;
pub mod prometheus;
pub mod redis;
pub mod runner;
pub mod stats;

use crate::app::msg::{Msg, Reading, Sample, Source};
use crate::config::Config;
use bollard::Docker;
use chrono::Utc;
use runner::{read_once, run_probe, short_error};
use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio::sync::{watch, Mutex};
use tokio::task::JoinHandle;

/// The running probe tasks; dropping this stops them all.
pub struct Probes {
    handles: Vec<JoinHandle<()>>,
    stats_scope: watch::Sender<Option<HashSet<String>>>,
}

impl Probes {
    /// Reads stats only for these containers from the next round on (None: all of them).
    /// The control room passes the rows on screen, so a lab of many containers costs the
    /// daemon only what is shown.
    pub fn show_stats_for(&self, ids: Option<HashSet<String>>) {
        self.stats_scope.send_if_modified(|scope| {
            let changed = *scope != ids;
            *scope = ids;
            changed
        });
    }

    pub fn len(&self) -> usize {
        self.handles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }
}

impl Drop for Probes {
    fn drop(&mut self) {
        for h in &self.handles {
            h.abort();
        }
    }
}

fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Each container's stats call gets part of the round's time, so one slow container costs
/// only its own figures, not the round.
fn stats_call_timeout(probe: Duration) -> Duration {
    probe * 2 / 3
}

/// Starts every probe: the Docker events watcher, Docker stats, Redis, Postgres, Prometheus
/// and the gateway. Must be called inside a Tokio runtime.
pub fn spawn_all(cfg: &Config, docker: Docker, tx: Sender<Msg>) -> Probes {
    let timeout = cfg.timeouts.probe;
    let max_backoff = cfg.timeouts.max_backoff;
    let project = cfg.lab.project.clone();
    let http = http_client(timeout);
    let mut handles = Vec::new();

    handles.push(tokio::spawn(docker::watch_events(
        docker.clone(),
        project.clone(),
        max_backoff,
        tx.clone(),
    )));

    let polled = Polled {
        timeout,
        max_backoff,
        tx,
    };
    let reader = Arc::new(Mutex::new(stats::StatsReader::new()));
    let each = stats_call_timeout(timeout);
    let (stats_scope, scope) = watch::channel(None);
    handles.push(
        polled.spawn(Source::Docker, cfg.intervals.docker_stats, move || {
            let (reader, docker, project) = (reader.clone(), docker.clone(), project.clone());
            let only = scope.borrow().clone();
            async move {
                reader
                    .lock()
                    .await
                    .read(&docker, &project, each, only.as_ref())
                    .await
            }
        }),
    );

    let redis = redis::RedisProbe::new(cfg.endpoints.redis.expose());
    handles.push(polled.spawn(Source::Redis, cfg.intervals.redis, move || {
        let redis = redis.clone();
        async move { redis?.read().await }
    }));

    let pool = postgres::pool(cfg.endpoints.postgres.expose(), timeout);
    handles.push(
        polled.spawn(Source::Postgres, cfg.intervals.postgres, move || {
            let pool = pool.clone();
            async move { postgres::read(&pool?).await }
        }),
    );

    let (h, base) = (http.clone(), cfg.endpoints.prometheus.expose().to_string());
    handles.push(
        polled.spawn(Source::Prometheus, cfg.intervals.prometheus, move || {
            let (h, base) = (h.clone(), base.clone());
            async move { prometheus::read(&h, &base).await }
        }),
    );

    handles.extend(canary_probes(cfg, &polled, http));
    Probes {
        handles,
        stats_scope,
    }
}

/// The gateway's split and the canary guard's short-window figures: what a canary plan runs
/// on.
fn canary_probes(cfg: &Config, polled: &Polled, http: reqwest::Client) -> Vec<JoinHandle<()>> {
    let (h, base) = (http.clone(), cfg.endpoints.prometheus.expose().to_string());
    let window = cfg.canary.guard.window;
    let guard = polled.spawn(Source::Prometheus, cfg.canary.guard.interval, move || {
        let (h, base) = (h.clone(), base.clone());
        async move { prometheus::read_guard(&h, &base, window).await }
    });
    let base = cfg.endpoints.gateway.expose().to_string();
    let gw = polled.spawn(Source::Gateway, cfg.intervals.gateway, move || {
        let (h, base) = (http.clone(), base.clone());
        async move { gateway::read(&h, &base).await }
    });
    vec![guard, gw]
}

/// Only what a headless canary plan needs: the gateway and the guard's figures. Must be called
/// inside a Tokio runtime.
pub fn spawn_canary(cfg: &Config, tx: Sender<Msg>) -> Probes {
    let polled = Polled {
        timeout: cfg.timeouts.probe,
        max_backoff: cfg.timeouts.max_backoff,
        tx,
    };
    let handles = canary_probes(cfg, &polled, http_client(cfg.timeouts.probe));
    Probes {
        handles,
        stats_scope: watch::channel(None).0,
    }
}

/// What every polled probe shares: its timeout, its longest backoff and the channel.
struct Polled {
    timeout: Duration,
    max_backoff: Duration,
    tx: Sender<Msg>,
}

impl Polled {
    fn spawn<F, Fut>(&self, source: Source, interval: Duration, read: F) -> JoinHandle<()>
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = Result<Reading, String>> + Send + 'static,
    {
        let tx = self.tx.clone();
        tokio::spawn(run_probe(
            source,
            interval,
            self.timeout,
            self.max_backoff,
            tx,
            read,
        ))
    }
}

/// Docker's part of a one-off reading: the list, and stats taken twice a second apart so the
/// CPU % is known.
async fn docker_once(cfg: &Config) -> Vec<Msg> {
    let timeout = cfg.timeouts.probe;
    let project = cfg.lab.project.as_str();
    let docker = match docker::connect(cfg) {
        Ok(d) => d,
        Err(e) => {
            return vec![Msg::Sample(Sample::err(
                Source::Docker,
                Utc::now(),
                short_error(&e),
            ))]
        }
    };
    let list = read_once(Source::Docker, timeout, async {
        docker::list(&docker, project)
            .await
            .map(Reading::Containers)
    });
    let stats = async {
        let mut reader = stats::StatsReader::new();
        let each = stats_call_timeout(timeout);
        let first_at = tokio::time::Instant::now();
        let first = read_once(
            Source::Docker,
            timeout,
            reader.read(&docker, project, each, None),
        )
        .await;
        if first.result.is_err() {
            return first;
        }
        // At least a second between the two, counted from the start of the first: an engine
        // that answers on its own 1 s collection tick has already spent most of it.
        tokio::time::sleep_until(first_at + Duration::from_secs(1)).await;
        read_once(
            Source::Docker,
            timeout,
            reader.read(&docker, project, each, None),
        )
        .await
    };
    let (list, stats) = tokio::join!(list, stats);
    // The list first: stats attach to the containers it names.
    vec![Msg::Sample(list), Msg::Sample(stats)]
}

async fn once<Fut>(source: Source, timeout: Duration, read: Fut) -> Msg
where
    Fut: Future<Output = Result<Reading, String>>,
{
    Msg::Sample(read_once(source, timeout, read).await)
}

/// Every source read once, in parallel, each within the probe timeout (for `driftdock status`).
pub async fn read_all_once(cfg: &Config) -> Vec<Msg> {
    let timeout = cfg.timeouts.probe;
    let http = http_client(timeout);
    let redis = async {
        match redis::RedisProbe::new(cfg.endpoints.redis.expose()) {
            Ok(r) => r.read().await,
            Err(e) => Err(e),
        }
    };
    let postgres = async {
        let pool = postgres::pool(cfg.endpoints.postgres.expose(), timeout)?;
        let reading = postgres::read(&pool).await;
        pool.close().await;
        reading
    };
    let (mut msgs, r, p, pr, g) = tokio::join!(
        docker_once(cfg),
        once(Source::Redis, timeout, redis),
        once(Source::Postgres, timeout, postgres),
        once(
            Source::Prometheus,
            timeout,
            prometheus::read(&http, cfg.endpoints.prometheus.expose())
        ),
        once(
            Source::Gateway,
            timeout,
            gateway::read(&http, cfg.endpoints.gateway.expose())
        ),
    );
    msgs.extend([r, p, pr, g]);
    msgs
}
