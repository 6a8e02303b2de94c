//! `lab-worker`: takes jobs from Redis at least once and moves event rows to a final state.

use crate::metrics::{OutcomeLabels, WorkerMetrics};
use crate::redis_conn::{RedisConn, COMMAND_TIMEOUT};
use crate::{JOBS, LEASES, PROCESSING};
use anyhow::Result;
use sqlx::PgPool;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug)]
pub struct Settings {
    pub work: Duration,
    pub failure_rate: f64,
    pub max_attempts: i32,
    pub lease: Duration,
}

pub struct Worker {
    pub settings: Settings,
    pub pool: PgPool,
    pub redis: RedisConn,
    /// A separate connection for the blocking pop, so it never delays other commands; see
    /// [`Worker::blocking_connection`].
    pub blocking: RedisConn,
    pub metrics: Arc<WorkerMetrics>,
    /// The job in hand, which the reaper must leave alone.
    pub current: Arc<AtomicI64>,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What to do with an attempt: pure, so the retry rule is tested without Redis or Postgres.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Retry,
    Failed,
}

pub fn decide(failed: bool, attempts: i32, max_attempts: i32) -> Outcome {
    match (failed, attempts >= max_attempts) {
        (false, _) => Outcome::Done,
        (true, false) => Outcome::Retry,
        (true, true) => Outcome::Failed,
    }
}

/// Moves every job out of the processing list back to the queue. The lab runs one worker, so
/// on start whatever is left in processing belonged to a worker that died mid-job.
pub async fn reclaim_all(con: &mut RedisConn) -> Result<i64> {
    let moved: i64 = redis::Script::new(
        "local n = 0
         while redis.call('RPOPLPUSH', KEYS[1], KEYS[2]) do n = n + 1 end
         redis.call('DEL', KEYS[3])
         return n",
    )
    .key(PROCESSING)
    .key(JOBS)
    .key(LEASES)
    .invoke_async(con)
    .await?;
    Ok(moved)
}

/// Returns jobs whose lease is missing or expired to the queue.
pub async fn reap(con: &mut RedisConn, lease: Duration, skip: i64) -> Result<usize> {
    let ids: Vec<String> = redis::cmd("LRANGE")
        .arg(PROCESSING)
        .arg(0)
        .arg(-1)
        .query_async(con)
        .await?;
    let mut moved = 0;
    for id in ids {
        if id.parse::<i64>().ok() == Some(skip) {
            continue;
        }
        let taken: Option<i64> = redis::cmd("HGET")
            .arg(LEASES)
            .arg(&id)
            .query_async(con)
            .await?;
        if taken.is_some_and(|t| now_secs() - t < lease.as_secs() as i64) {
            continue;
        }
        let n: i64 = redis::Script::new(
            "local n = redis.call('LREM', KEYS[1], 1, ARGV[1])
             if n > 0 then redis.call('LPUSH', KEYS[2], ARGV[1]) end
             redis.call('HDEL', KEYS[3], ARGV[1])
             return n",
        )
        .key(PROCESSING)
        .key(JOBS)
        .key(LEASES)
        .arg(&id)
        .invoke_async(con)
        .await?;
        moved += n as usize;
    }
    Ok(moved)
}

/// How long one pop waits for a job.
const BLOCK: Duration = Duration::from_secs(1);

impl Worker {
    /// The blocking pop's own connection: its timeout allows for the block time.
    pub fn blocking_connection(redis: RedisConn) -> RedisConn {
        redis.with_timeout(BLOCK + COMMAND_TIMEOUT)
    }

    /// Takes one job (waiting up to [`BLOCK`]); false when the queue was empty.
    pub async fn step(&mut self) -> Result<bool> {
        let taken: Option<String> = redis::cmd("BLMOVE")
            .arg(JOBS)
            .arg(PROCESSING)
            .arg("RIGHT")
            .arg("LEFT")
            .arg(BLOCK.as_secs())
            .query_async(&mut self.blocking)
            .await?;
        let Some(raw) = taken else { return Ok(false) };
        let Ok(id) = raw.parse::<i64>() else {
            tracing::warn!("dropping a job that is not an event id: {raw:?}");
            self.finish(&raw).await?;
            return Ok(true);
        };
        self.current.store(id, Ordering::Relaxed);
        let result = self.handle(id, &raw).await;
        self.current.store(0, Ordering::Relaxed);
        if result.is_err() {
            // A job failed by an outage goes back to the queue now rather than when its lease
            // expires; if Redis itself is away, the reaper returns it later.
            let _ = self.release(&raw).await;
        }
        result.map(|_| true)
    }

    /// Returns a job from the processing list to the queue.
    async fn release(&mut self, raw: &str) -> Result<()> {
        redis::Script::new(
            "redis.call('LREM', KEYS[1], 1, ARGV[1])
             redis.call('LPUSH', KEYS[2], ARGV[1])
             redis.call('HDEL', KEYS[3], ARGV[1])
             return 1",
        )
        .key(PROCESSING)
        .key(JOBS)
        .key(LEASES)
        .arg(raw)
        .invoke_async::<i64>(&mut self.redis)
        .await?;
        Ok(())
    }

    async fn handle(&mut self, id: i64, raw: &str) -> Result<()> {
        redis::cmd("HSET")
            .arg(LEASES)
            .arg(raw)
            .arg(now_secs())
            .query_async::<i64>(&mut self.redis)
            .await?;
        let row: Option<(i32, f64)> = sqlx::query_as(
            "UPDATE events SET status = 'processing', attempts = attempts + 1, updated_at = now()
             WHERE id = $1 AND status IN ('queued', 'processing')
             RETURNING attempts, EXTRACT(EPOCH FROM created_at)::float8",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((attempts, created)) = row else {
            // Already final (a redelivery) or gone: nothing to do but let go of the job.
            return self.finish(raw).await;
        };
        tokio::time::sleep(self.settings.work).await;
        let failed = rand::random::<f64>() < self.settings.failure_rate;
        let outcome = decide(failed, attempts, self.settings.max_attempts);
        let (status, error) = match outcome {
            Outcome::Done => ("done", None),
            Outcome::Retry => (
                "queued",
                Some(format!("simulated failure on attempt {attempts}")),
            ),
            Outcome::Failed => ("failed", Some(format!("gave up after {attempts} attempts"))),
        };
        sqlx::query(
            "UPDATE events SET status = $2, last_error = $3, updated_at = now() WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(error)
        .execute(&self.pool)
        .await?;
        let label = match outcome {
            Outcome::Done => "done",
            Outcome::Retry => "retried",
            Outcome::Failed => "failed",
        };
        self.metrics
            .processed
            .get_or_create(&OutcomeLabels {
                outcome: label.into(),
            })
            .inc();
        if outcome == Outcome::Retry {
            return self.release(raw).await;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        self.metrics.resolution.observe((now - created).max(0.0));
        self.finish(raw).await
    }

    async fn finish(&mut self, raw: &str) -> Result<()> {
        redis::pipe()
            .cmd("LREM")
            .arg(PROCESSING)
            .arg(1)
            .arg(raw)
            .ignore()
            .cmd("HDEL")
            .arg(LEASES)
            .arg(raw)
            .ignore()
            .query_async::<()>(&mut self.redis)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_until_the_last_attempt() {
        assert_eq!(decide(false, 1, 3), Outcome::Done);
        assert_eq!(decide(true, 1, 3), Outcome::Retry);
        assert_eq!(decide(true, 2, 3), Outcome::Retry);
        assert_eq!(decide(true, 3, 3), Outcome::Failed);
        assert_eq!(decide(false, 3, 3), Outcome::Done);
    }
}
