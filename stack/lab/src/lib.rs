//! The lab's services: `lab-api`, `lab-worker` and `lab-load`.

pub mod api;
pub mod connect;
pub mod event;
pub mod fault;
pub mod load;
pub mod metrics;
pub mod redis_conn;
pub mod worker;

/// Redis list the api pushes event ids on.
pub const JOBS: &str = "jobs";
/// Redis list holding the jobs a worker has taken and not yet finished.
pub const PROCESSING: &str = "jobs:processing";
/// Redis hash of job id -> unix seconds when a worker took it.
pub const LEASES: &str = "jobs:leases";

/// Lengths of the queue and the processing list, read in one round trip.
pub async fn queue_depths(con: &mut redis_conn::RedisConn) -> redis::RedisResult<(i64, i64)> {
    redis::pipe()
        .cmd("LLEN")
        .arg(JOBS)
        .cmd("LLEN")
        .arg(PROCESSING)
        .query_async(con)
        .await
}

/// Resolves when the process gets SIGTERM or Ctrl-C, so containers stop cleanly.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

pub fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .init();
}
