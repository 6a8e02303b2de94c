//! Connecting to Postgres and Redis with retries (containers start in any order) and the schema.
//! Past start, both heal by themselves: the sqlx pool replaces broken connections and
//! [`RedisConn`] reconnects after an outage.

use crate::redis_conn::RedisConn;
use anyhow::{Context, Result};
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::{Duration, Instant};

const STARTUP_WAIT: Duration = Duration::from_secs(60);

async fn retry<T, F, Fut>(what: &str, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let deadline = Instant::now() + STARTUP_WAIT;
    let mut delay = Duration::from_millis(250);
    let mut tries = 1;
    loop {
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(err) if Instant::now() < deadline => {
                tracing::warn!("{what} not ready (try {tries}): {err:#}");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(4));
                tries += 1;
            }
            Err(err) => {
                return Err(err.context(format!("{what} not reachable after {tries} tries")))
            }
        }
    }
}

pub async fn postgres(url: &str) -> Result<PgPool> {
    let pool = retry("postgres", || async {
        PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(3))
            .connect(url)
            .await
            .context("connect")
    })
    .await?;
    ensure_schema(&pool).await?;
    Ok(pool)
}

pub async fn redis(url: &str) -> Result<RedisConn> {
    let client = redis::Client::open(url).context("REDIS_URL is not a valid redis URL")?;
    let con = RedisConn::new(client);
    retry("redis", || async {
        con.ensure_connected().await.context("connect")
    })
    .await?;
    Ok(con)
}

/// Api and worker both create the schema; the advisory lock keeps their first starts apart.
async fn ensure_schema(pool: &PgPool) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(4242)")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS events (
            id bigserial PRIMARY KEY,
            type text NOT NULL,
            payload jsonb NOT NULL DEFAULT '{}'::jsonb,
            status text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'processing', 'done', 'failed')),
            attempts integer NOT NULL DEFAULT 0,
            served_by text NOT NULL,
            last_error text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("CREATE INDEX IF NOT EXISTS events_status_idx ON events (status)")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
