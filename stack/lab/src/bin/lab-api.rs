use anyhow::Context;
use clap::Parser;
use driftdock_lab::api::{router, Api};
use std::sync::{Arc, RwLock};

/// The lab's api: events in, stats out, metrics, fault knob.
#[derive(Parser)]
struct Args {
    #[arg(long, env = "API_VERSION", default_value = "v1")]
    version: String,
    #[arg(long, env = "LISTEN", default_value = "0.0.0.0:8000")]
    listen: String,
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    #[arg(
        long,
        env = "REDIS_URL",
        default_value = "redis://redis:6379",
        hide_env_values = true
    )]
    redis_url: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    driftdock_lab::init_tracing();
    let args = Args::parse();
    let pool = driftdock_lab::connect::postgres(&args.database_url).await?;
    let redis = driftdock_lab::connect::redis(&args.redis_url).await?;
    let api = Api {
        version: args.version.as_str().into(),
        pool,
        redis,
        fault: Arc::new(RwLock::new(Default::default())),
        metrics: Arc::new(Default::default()),
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(version = %args.version, listen = %args.listen, "lab-api ready");
    axum::serve(listener, router(api))
        .with_graceful_shutdown(driftdock_lab::shutdown_signal())
        .await?;
    Ok(())
}
