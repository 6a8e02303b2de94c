//! A Redis connection that heals itself after any outage.
//!
//! `redis::aio::ConnectionManager` (0.27) can stay broken for good once Redis goes away: when its
//! own reconnect attempt fails, or when a caller's timeout drops a command mid-reconnect. Here a
//! command that fails on I/O, times out or is cancelled throws its connection away, and the next
//! command opens a new one, no sooner than a bounded backoff allows, so an outage costs one
//! connection attempt per backoff step rather than one per request.

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::{Client, Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, RedisResult, Value};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Commands in the lab are tiny: anything slower than this means Redis is unreachable.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Cheap to clone; clones share one connection. Implements `ConnectionLike`, so commands,
/// pipelines and scripts run on it as on any redis connection.
#[derive(Clone)]
pub struct RedisConn {
    client: Client,
    shared: Arc<Shared>,
    timeout: Duration,
}

struct Shared {
    slot: Mutex<Slot>,
    /// One connection attempt at a time; the callers queued behind it reuse its outcome.
    connecting: tokio::sync::Mutex<()>,
}

/// Generic over the connection only so its rules are tested without a server.
struct Slot<C = MultiplexedConnection> {
    /// The live connection and its generation, so a failure seen on an old connection never
    /// throws away a newer one.
    con: Option<(u64, C)>,
    generation: u64,
    retry_at: Option<Instant>,
    backoff: Duration,
    failed_attempts: u32,
}

impl<C> Default for Slot<C> {
    fn default() -> Self {
        Slot {
            con: None,
            generation: 0,
            retry_at: None,
            backoff: Duration::ZERO,
            failed_attempts: 0,
        }
    }
}

impl<C: Clone> Slot<C> {
    fn usable(&self, now: Instant) -> RedisResult<Option<(u64, C)>> {
        if let Some((generation, con)) = &self.con {
            return Ok(Some((*generation, con.clone())));
        }
        match self.retry_at {
            Some(at) if now < at => Err(RedisError::from(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                "redis unreachable, waiting to reconnect",
            ))),
            _ => Ok(None),
        }
    }

    fn install(&mut self, con: C) -> u64 {
        self.generation += 1;
        self.con = Some((self.generation, con));
        self.retry_at = None;
        self.backoff = Duration::ZERO;
        self.failed_attempts = 0;
        self.generation
    }

    fn attempt_failed(&mut self, now: Instant) -> Duration {
        self.backoff = (self.backoff * 2).clamp(BACKOFF_MIN, BACKOFF_MAX);
        self.retry_at = Some(now + self.backoff);
        self.failed_attempts += 1;
        self.backoff
    }

    /// True when `generation` was the live connection and is now gone.
    fn discard(&mut self, generation: u64) -> bool {
        if self.con.as_ref().is_some_and(|(g, _)| *g == generation) {
            self.con = None;
            return true;
        }
        false
    }
}

impl Shared {
    fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn discard(&self, generation: u64, why: &dyn std::fmt::Display) {
        if self.slot().discard(generation) {
            tracing::warn!("redis connection dropped ({why}), reconnecting on next use");
        }
    }

    fn attempt_failed(&self, why: &dyn std::fmt::Display) {
        let mut slot = self.slot();
        let wait = slot.attempt_failed(Instant::now());
        if slot.failed_attempts == 1 {
            tracing::warn!("redis reconnect failed ({why}), retrying with backoff");
        } else {
            tracing::debug!(
                "redis reconnect attempt {} failed ({why}), next in {wait:?}",
                slot.failed_attempts
            );
        }
    }
}

/// Errors after which the connection cannot be trusted; Redis's own error replies (a wrong
/// type, a missing script, loading) leave it fine.
fn breaks_connection(err: &RedisError) -> bool {
    err.is_io_error() || err.is_unrecoverable_error() || err.kind() == ErrorKind::ClientError
}

fn timed_out(what: &str) -> RedisError {
    RedisError::from(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("redis {what} timed out"),
    ))
}

/// Counts as a failure unless disarmed: dropping a future mid-command or mid-connect (a
/// caller's timeout, a client gone) must not leave a half-used connection behind.
struct Pending<'a> {
    shared: &'a Shared,
    /// `Some(generation)` while a command runs, `None` while connecting.
    generation: Option<u64>,
    armed: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        match self.generation {
            Some(generation) => self.shared.discard(generation, &"command cancelled"),
            None => self.shared.attempt_failed(&"connect cancelled"),
        }
    }
}

impl RedisConn {
    /// A handle that connects on first use.
    pub fn new(client: Client) -> Self {
        RedisConn {
            client,
            shared: Arc::new(Shared {
                slot: Mutex::new(Slot::default()),
                connecting: tokio::sync::Mutex::new(()),
            }),
            timeout: COMMAND_TIMEOUT,
        }
    }

    /// The same connection with another bound per command, connecting included (blocking
    /// commands need their block time on top).
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        RedisConn {
            timeout,
            ..self.clone()
        }
    }

    /// Connects now, to fail early at start.
    pub async fn ensure_connected(&self) -> RedisResult<()> {
        tokio::time::timeout(self.timeout, self.connection())
            .await
            .map_err(|_| timed_out("connect"))?
            .map(|_| ())
    }

    async fn connection(&self) -> RedisResult<(u64, MultiplexedConnection)> {
        if let Some(live) = self.shared.slot().usable(Instant::now())? {
            return Ok(live);
        }
        let _turn = self.shared.connecting.lock().await;
        if let Some(live) = self.shared.slot().usable(Instant::now())? {
            return Ok(live);
        }
        let mut pending = Pending {
            shared: &self.shared,
            generation: None,
            armed: true,
        };
        let result = self.client.get_multiplexed_async_connection().await;
        pending.armed = false;
        match result {
            Ok(con) => {
                let mut slot = self.shared.slot();
                if slot.failed_attempts > 0 {
                    tracing::info!(
                        "redis reconnected after {} failed attempts",
                        slot.failed_attempts
                    );
                }
                Ok((slot.install(con.clone()), con))
            }
            Err(err) => {
                self.shared.attempt_failed(&err);
                Err(err)
            }
        }
    }

    async fn run<'a, T, F, Fut>(&'a self, op: F) -> RedisResult<T>
    where
        F: FnOnce(MultiplexedConnection) -> Fut,
        Fut: Future<Output = RedisResult<T>> + 'a,
    {
        let attempt = async {
            let (generation, con) = self.connection().await?;
            let mut pending = Pending {
                shared: &self.shared,
                generation: Some(generation),
                armed: true,
            };
            let result = op(con).await;
            pending.armed = false;
            if let Err(err) = &result {
                if breaks_connection(err) {
                    self.shared.discard(generation, err);
                }
            }
            result
        };
        // A timeout drops `attempt`, and its guard throws the connection away.
        tokio::time::timeout(self.timeout, attempt)
            .await
            .unwrap_or_else(|_| Err(timed_out("command")))
    }
}

impl ConnectionLike for RedisConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(self.run(move |mut con| async move { con.req_packed_command(cmd).await }))
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(
            self.run(
                move |mut con| async move { con.req_packed_commands(cmd, offset, count).await },
            ),
        )
    }

    fn get_db(&self) -> i64 {
        self.client.get_connection_info().redis.db
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_blocks_until_due() {
        let mut slot = Slot::<()>::default();
        let now = Instant::now();
        let waits: Vec<_> = (0..8).map(|_| slot.attempt_failed(now)).collect();
        assert_eq!(waits[0], BACKOFF_MIN);
        assert_eq!(waits[1], BACKOFF_MIN * 2);
        assert_eq!(*waits.last().unwrap(), BACKOFF_MAX);
        assert!(slot.usable(now).is_err(), "no attempt before the backoff");
        assert!(matches!(slot.usable(now + BACKOFF_MAX), Ok(None)));
    }

    #[test]
    fn errors_that_break_the_connection() {
        let io = RedisError::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(breaks_connection(&io));
        assert!(breaks_connection(&timed_out("command")));
        let reply = RedisError::from((ErrorKind::TypeError, "wrong type"));
        assert!(!breaks_connection(&reply));
        let reply = RedisError::from((ErrorKind::ResponseError, "WRONGTYPE"));
        assert!(!breaks_connection(&reply));
    }

    #[test]
    fn a_stale_failure_leaves_the_newer_connection_alone() {
        let mut slot = Slot::<()>::default();
        slot.attempt_failed(Instant::now());
        let first = slot.install(());
        assert!(slot.retry_at.is_none() && slot.backoff.is_zero());
        assert!(slot.discard(first));
        let second = slot.install(());
        assert!(
            !slot.discard(first),
            "an old generation must not drop the new one"
        );
        assert!(matches!(slot.usable(Instant::now()), Ok(Some((g, ()))) if g == second));
    }
}
