//! Postgres: events by status and the oldest queued one, in one query.

use crate::app::msg::{Reading, StatusCounts};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

const COUNTS: &str = "SELECT \
    count(*) FILTER (WHERE status = 'queued'), \
    count(*) FILTER (WHERE status = 'processing'), \
    count(*) FILTER (WHERE status = 'done'), \
    count(*) FILTER (WHERE status = 'failed'), \
    min(created_at) FILTER (WHERE status = 'queued') \
    FROM events";

/// A small pool: the probe needs one connection, a second covers a slow reconnect.
pub fn pool(url: &str, timeout: Duration) -> Result<PgPool, String> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| {
            format!(
                "bad postgres URL: {}",
                crate::config::redact_str(&e.to_string())
            )
        })?
        .application_name("driftdock");
    Ok(PgPoolOptions::new()
        .max_connections(2)
        .min_connections(0)
        .acquire_timeout(timeout)
        .idle_timeout(Duration::from_secs(60))
        .connect_lazy_with(options))
}

pub async fn read(pool: &PgPool) -> Result<Reading, String> {
    let (queued, processing, done, failed, oldest): (i64, i64, i64, i64, Option<DateTime<Utc>>) =
        sqlx::query_as(COUNTS)
            .fetch_one(pool)
            .await
            .map_err(|e| format!("postgres: {e}"))?;
    let n = |v: i64| v.max(0) as u64;
    Ok(Reading::Events {
        counts: StatusCounts {
            queued: n(queued),
            processing: n(processing),
            done: n(done),
            failed: n(failed),
        },
        oldest_queued: oldest,
    })
}
