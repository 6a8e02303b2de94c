use anyhow::Context;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use clap::Parser;
use driftdock_lab::metrics::{render, WorkerMetrics};
use driftdock_lab::worker::{reap, reclaim_all, Settings, Worker};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The lab's worker: drains the Redis queue into final event states.
#[derive(Parser)]
struct Args {
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    #[arg(
        long,
        env = "REDIS_URL",
        default_value = "redis://redis:6379",
        hide_env_values = true
    )]
    redis_url: String,
    #[arg(long, env = "METRICS_LISTEN", default_value = "0.0.0.0:9100")]
    metrics_listen: String,
    /// Time one job takes, in milliseconds.
    #[arg(long, env = "WORK_MS", default_value_t = 20)]
    work_ms: u64,
    /// Chance that one attempt fails, 0..1.
    #[arg(long, env = "FAILURE_RATE", default_value_t = 0.0)]
    failure_rate: f64,
    #[arg(long, env = "MAX_ATTEMPTS", default_value_t = 3)]
    max_attempts: i32,
    /// A job held longer than this by a silent worker goes back to the queue.
    #[arg(long, env = "LEASE_SECONDS", default_value_t = 30)]
    lease_seconds: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    driftdock_lab::init_tracing();
    let args = Args::parse();
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.failure_rate),
        "FAILURE_RATE must be within 0..1, got {}",
        args.failure_rate
    );
    anyhow::ensure!(args.max_attempts >= 1, "MAX_ATTEMPTS must be at least 1");
    let pool = driftdock_lab::connect::postgres(&args.database_url).await?;
    let mut redis = driftdock_lab::connect::redis(&args.redis_url).await?;
    let blocking =
        Worker::blocking_connection(driftdock_lab::connect::redis(&args.redis_url).await?);
    let metrics = Arc::new(WorkerMetrics::default());

    let reclaimed = reclaim_all(&mut redis).await?;
    if reclaimed > 0 {
        tracing::info!("returned {reclaimed} unfinished jobs to the queue");
    }

    let listener = tokio::net::TcpListener::bind(&args.metrics_listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.metrics_listen))?;
    let app = Router::new()
        .route(
            "/metrics",
            get(|State(m): State<Arc<WorkerMetrics>>| async move { render(&m.registry) }),
        )
        .route("/health", get(|| async { "ok" }))
        .with_state(metrics.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("metrics server stopped: {e}");
        }
    });

    let current = Arc::new(AtomicI64::new(0));
    let lease = Duration::from_secs(args.lease_seconds);
    {
        let (mut con, metrics, current) = (redis.clone(), metrics.clone(), current.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            let mut n: u64 = 0;
            loop {
                tick.tick().await;
                n += 1;
                let depths: Result<(i64, i64), _> = driftdock_lab::queue_depths(&mut con).await;
                if let Ok((q, p)) = depths {
                    metrics.queue_depth.set(q);
                    metrics.processing_depth.set(p);
                }
                if n.is_multiple_of(5) {
                    match reap(&mut con, lease, current.load(Ordering::Relaxed)).await {
                        Ok(0) => {}
                        Ok(moved) => tracing::info!("reaper returned {moved} expired jobs"),
                        Err(e) => tracing::warn!("reaper: {e:#}"),
                    }
                }
            }
        });
    }

    let mut worker = Worker {
        settings: Settings {
            work: Duration::from_millis(args.work_ms),
            failure_rate: args.failure_rate,
            max_attempts: args.max_attempts,
            lease,
        },
        pool,
        redis,
        blocking,
        metrics,
        current,
    };
    tracing::info!(
        work_ms = args.work_ms,
        failure_rate = args.failure_rate,
        "lab-worker ready"
    );
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            driftdock_lab::shutdown_signal().await;
            stop.store(true, Ordering::Relaxed);
        });
    }
    // A job in hand is finished before stopping; the pop waits at most a second.
    while !stop.load(Ordering::Relaxed) {
        if let Err(e) = worker.step().await {
            tracing::warn!("job failed, retrying shortly: {e:#}");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    tracing::info!("lab-worker stopping");
    Ok(())
}
