use anyhow::Context;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use clap::Parser;
use driftdock_lab::load::{due_after, Tally};
use driftdock_lab::metrics::{render, LoadLabels, LoadMetrics};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The lab's load generator: events and reads through the gateway at a steady rate.
#[derive(Parser)]
struct Args {
    #[arg(long, env = "TARGET", default_value = "http://gateway:8080")]
    target: String,
    /// Requests per second across all connections.
    #[arg(long, env = "RATE", default_value_t = 10.0)]
    rate: f64,
    /// Share of reads (GET /stats, /health); the rest are POST /events.
    #[arg(long, env = "READ_RATIO", default_value_t = 0.5)]
    read_ratio: f64,
    /// Seconds to run; 0 runs until stopped.
    #[arg(long, env = "DURATION", default_value_t = 0)]
    duration: u64,
    #[arg(long, env = "CONCURRENCY", default_value_t = 8)]
    concurrency: usize,
    /// Serve /metrics here (off unless set).
    #[arg(long, env = "METRICS_LISTEN")]
    metrics_listen: Option<String>,
}

const KINDS: [&str; 4] = ["signup", "order", "refund", "email"];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    driftdock_lab::init_tracing();
    let args = Args::parse();
    anyhow::ensure!(args.rate > 0.0, "--rate must be above 0, got {}", args.rate);
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.read_ratio),
        "--read-ratio must be within 0..1"
    );
    anyhow::ensure!(args.concurrency >= 1, "--concurrency must be at least 1");
    let metrics = Arc::new(LoadMetrics::default());
    if let Some(addr) = &args.metrics_listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let app = Router::new()
            .route(
                "/metrics",
                get(|State(m): State<Arc<LoadMetrics>>| async move { render(&m.registry) }),
            )
            .route("/health", get(|| async { "ok" }))
            .with_state(metrics.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let start = Instant::now();
    let end = (args.duration > 0).then(|| start + Duration::from_secs(args.duration));
    let next = Arc::new(AtomicU64::new(0));
    let target = Arc::<str>::from(args.target.trim_end_matches('/'));
    tracing::info!(target = %target, rate = args.rate, concurrency = args.concurrency, "lab-load running");
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (http, next, target, metrics) =
            (http.clone(), next.clone(), target.clone(), metrics.clone());
        let (rate, read_ratio) = (args.rate, args.read_ratio);
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let due = start + due_after(k, rate);
                if end.is_some_and(|end| due >= end) {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                let (kind, req) = if rand::random::<f64>() < read_ratio {
                    let path = if rand::random::<f64>() < 0.7 {
                        "stats"
                    } else {
                        "health"
                    };
                    ("read", http.get(format!("{target}/{path}")))
                } else {
                    let t = KINDS[(k as usize) % KINDS.len()];
                    let body = serde_json::json!({"type": t, "payload": {"n": k}});
                    ("event", http.post(format!("{target}/events")).json(&body))
                };
                let sent = Instant::now();
                let resp = req.send().await;
                let latency = sent.elapsed();
                let (ok, status, version) = match &resp {
                    Ok(r) => (
                        r.status().is_success(),
                        r.status().as_u16().to_string(),
                        r.headers()
                            .get("x-api-version")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string),
                    ),
                    Err(_) => (false, "error".to_string(), None),
                };
                metrics
                    .requests
                    .get_or_create(&LoadLabels {
                        kind: kind.into(),
                        status,
                    })
                    .inc();
                // Unbounded runs would grow the sample list forever; they report through /metrics.
                if end.is_some() {
                    tally.record(ok, version.as_deref(), latency);
                }
            }
            tally
        }));
    }
    if end.is_none() {
        driftdock_lab::shutdown_signal().await;
        return Ok(());
    }
    let mut all = Tally::default();
    for t in tasks {
        all.merge(t.await?);
    }
    println!("{}", serde_json::to_string(&all.summary(start.elapsed()))?);
    Ok(())
}
