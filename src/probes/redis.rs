//! Redis: how many jobs wait (`jobs`) and how many are being worked on (`jobs:processing`).

use crate::app::msg::Reading;
use ::redis::aio::MultiplexedConnection;
use ::redis::Client;
use std::sync::Arc;
use tokio::sync::Mutex;

pub const QUEUE: &str = "jobs";
pub const PROCESSING: &str = "jobs:processing";

/// A lazily (re)connected Redis reader; cheap to clone, one connection shared by the clones.
#[derive(Clone)]
pub struct RedisProbe {
    client: Client,
    conn: Arc<Mutex<Option<MultiplexedConnection>>>,
}

impl RedisProbe {
    /// Parses the URL; nothing connects until the first read.
    pub fn new(url: &str) -> Result<Self, String> {
        let client = Client::open(url).map_err(|e| format!("bad redis URL: {e}"))?;
        Ok(RedisProbe {
            client,
            conn: Arc::new(Mutex::new(None)),
        })
    }

    /// LLEN of both lists in one round trip.
    pub async fn read(&self) -> Result<Reading, String> {
        let mut slot = self.conn.lock().await;
        // Taken out for the call: a failed or abandoned call leaves no suspect connection
        // behind, and the next read connects afresh.
        let mut conn = match slot.take() {
            Some(c) => c,
            None => self
                .client
                .get_multiplexed_tokio_connection()
                .await
                .map_err(|e| format!("redis: {e}"))?,
        };
        let (depth, processing): (u64, u64) = ::redis::pipe()
            .llen(QUEUE)
            .llen(PROCESSING)
            .query_async(&mut conn)
            .await
            .map_err(|e| format!("redis: {e}"))?;
        *slot = Some(conn);
        Ok(Reading::Queue { depth, processing })
    }
}
