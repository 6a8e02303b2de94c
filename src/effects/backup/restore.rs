//! Restores. Both kinds refuse a backup whose checksum fails, take a safety dump first, pause
//! the writers (through the recovery ledger, so nothing stays frozen if this process dies),
//! and bring them back however the restore ends. A dump is restored in one transaction, so a
//! failure leaves the live database as it was. A point-in-time restore replaces the cluster
//! with a base backup and replays the archived WAL up to the target, then takes a new base.
//! Afterwards the Redis queue is rebuilt from the restored rows.

use super::stream::{exec_from_file, OnProgress, Ticker};
use super::{pg, Backups};
use crate::app::backup::{compare, pitr, Kind, Manifest, Progress, Table};
use crate::app::fault::{FaultKind, FaultSpec};
use crate::effects::chaos::Applied;
use crate::probes::redis::{PROCESSING, QUEUE};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::time::{Duration, Instant};

/// The worker's lease hash (lab contract, stack/README.md).
const LEASES: &str = "jobs:leases";
/// Longer than any restore: the recovery ledger undoes the pauses after this if all else fails.
const HOLD: Duration = Duration::from_secs(30 * 60);

/// What a restore did.
#[derive(Clone, Debug)]
pub struct Restored {
    pub id: String,
    pub safety: String,
    pub tables: Vec<Table>,
    pub requeued: u64,
    pub took: Duration,
    /// For a point-in-time restore: its target and the base taken after it.
    pub target: Option<DateTime<Utc>>,
    pub new_base: Option<String>,
}

pub(super) fn say(on: OnProgress<'_>, op: &str, phase: &str, started: Instant) {
    on(Progress {
        op: op.into(),
        phase: phase.into(),
        bytes: 0,
        total: None,
        elapsed_ms: started.elapsed().as_millis() as u64,
    });
}

impl Backups {
    /// Pauses the writers; each pause is in the recovery ledger.
    pub(super) async fn quiesce(&self) -> Result<Vec<Applied>, String> {
        let mut held = Vec::new();
        for service in &self.writers {
            let spec = FaultSpec {
                service: service.clone(),
                kind: FaultKind::Pause,
                duration: HOLD,
            };
            match self.chaos.inflict(&spec, Some(std::process::id())).await {
                Ok(a) => held.push(a),
                // A writer that is not running writes nothing.
                Err(e) if e.contains("no running") || e.contains("not running") => {}
                Err(e) => {
                    self.release(&held).await;
                    return Err(format!("cannot pause {service} for the restore: {e}"));
                }
            }
        }
        Ok(held)
    }

    pub(super) async fn release(&self, held: &[Applied]) -> Vec<String> {
        let mut errors = Vec::new();
        for a in held.iter().rev() {
            if let Err(e) = self.chaos.undo(&a.entry, "restore finished").await {
                errors.push(format!("{}: {e}", a.entry.service));
            }
        }
        errors
    }

    /// Empties the queue and pushes every unfinished event again: the restored rows, not
    /// what Redis held before, say what is left to do.
    pub(super) async fn requeue(&self) -> Result<u64, String> {
        let mut conn = self.target.connect(None).await?;
        let ids: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM events WHERE status IN ('queued', 'processing') ORDER BY id",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap_or_default();
        let client = redis::Client::open(self.redis_url.as_str())
            .map_err(|e| format!("redis: {}", crate::config::redact_str(&e.to_string())))?;
        let mut con = tokio::time::timeout(
            Duration::from_secs(5),
            client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| "redis is DOWN: no connection within 5 s".to_string())?
        .map_err(|e| format!("redis is DOWN: {e}"))?;
        let mut pipe = redis::pipe();
        pipe.atomic().del(QUEUE).del(PROCESSING).del(LEASES);
        // The worker pops from the right: oldest first.
        for chunk in ids.chunks(1000) {
            let chunk: Vec<i64> = chunk.iter().map(|(id,)| *id).collect();
            pipe.cmd("LPUSH").arg(QUEUE).arg(chunk);
        }
        pipe.query_async::<()>(&mut con)
            .await
            .map_err(|e| format!("redis: cannot rebuild the queue: {e}"))?;
        Ok(ids.len() as u64)
    }

    /// Restores dump `id` over the live database.
    pub async fn restore(&self, id: &str, on: OnProgress<'_>) -> Result<Restored, String> {
        let lock = self.lock()?;
        let m = self.store.find(id)?;
        let started = Instant::now();
        let result = self.restore_locked(&lock, &m, on, started).await;
        self.audit_restore("backup.restore", &m, None, &result);
        result
    }

    fn audit_restore(
        &self,
        what: &str,
        m: &Manifest,
        target: Option<DateTime<Utc>>,
        result: &Result<Restored, String>,
    ) {
        let after = match result {
            Ok(r) => {
                json!({ "safety": r.safety, "rows": r.tables.iter().map(|t| t.rows).sum::<i64>(),
                             "requeued": r.requeued, "took_ms": r.took.as_millis() as u64,
                             "new_base": r.new_base })
            }
            Err(_) => json!(null),
        };
        self.audit(
            what,
            json!({ "id": m.id, "kind": m.kind, "target": target }),
            after,
            &result.as_ref().map(|r| r.id.clone()).map_err(Clone::clone),
        );
    }

    async fn restore_locked(
        &self,
        lock: &super::store::Locked,
        m: &Manifest,
        on: OnProgress<'_>,
        started: Instant,
    ) -> Result<Restored, String> {
        if m.kind != Kind::Dump {
            return Err(format!(
                "{} is a base backup: it restores to a point in time (`backup restore --to TIME`)",
                m.id
            ));
        }
        let container = self.container().await?;
        self.check_sha(m, on)
            .await
            .map_err(|e| format!("restore refused, the live database is untouched: {e}"))?;
        say(on, "restore", "taking a safety backup", started);
        let safety = self
            .create_locked(lock, Kind::Dump, "safety", on)
            .await
            .map_err(|e| format!("restore refused: the safety backup failed: {e}"))?;
        say(on, "restore", "pausing writers", started);
        let held = self.quiesce().await?;
        let result = async {
            let tables = self.dump_over_live(&container, m, on).await?;
            say(on, "restore", "rebuilding the queue", started);
            let requeued = self.requeue().await?;
            Ok::<_, String>((tables, requeued))
        }
        .await;
        say(on, "restore", "resuming writers", started);
        let stuck = self.release(&held).await;
        let (tables, requeued) = result?;
        if !stuck.is_empty() {
            return Err(format!(
                "restored, but could not resume: {}; `driftdock chaos recover` will",
                stuck.join("; ")
            ));
        }
        Ok(Restored {
            id: m.id.clone(),
            safety: safety.id,
            tables,
            requeued,
            took: started.elapsed(),
            target: None,
            new_base: None,
        })
    }

    /// Restores dump `m` over the live database in one transaction and checks the tables
    /// against its manifest. The writers must be paused.
    pub(super) async fn dump_over_live(
        &self,
        container: &str,
        m: &Manifest,
        on: OnProgress<'_>,
    ) -> Result<Vec<Table>, String> {
        let mut admin = self.target.connect(Some("postgres")).await?;
        pg::end_other_sessions(&mut admin, &self.target.database).await?;
        let cmd = self.target.pg_restore(
            &self.target.database,
            &["--clean", "--if-exists", "--single-transaction"],
        );
        let mut ticker = Ticker::new("restore", "restoring", Some(m.size), on);
        let path = self.store.path_of(&m.file);
        exec_from_file(&self.docker, container, &cmd, &path, &mut ticker)
            .await
            .map_err(|e| format!("restore failed, the live database is unchanged: {e}"))?;
        let mut conn = self.target.connect(None).await?;
        let tables = pg::tables(&mut conn).await?;
        let diffs = compare(&m.tables, &tables, true);
        if !diffs.is_empty() {
            return Err(format!(
                "restored, but it differs from the manifest: {}",
                diffs.join("; ")
            ));
        }
        Ok(tables)
    }

    /// The base a restore to `target` would start from, after making the archive reach now.
    pub async fn plan_to(&self, target: DateTime<Utc>) -> Result<Manifest, String> {
        let (all, _) = self.store.list()?;
        let mut conn = self.target.connect(None).await?;
        let archive_end = pg::archive_now(&mut conn).await?;
        let base = pitr::choose_base(&all, target, archive_end)?.clone();
        self.archive_holds(&base).await?;
        Ok(base)
    }

    /// Whether the archive still starts early enough for `base`: pruning removes the oldest
    /// segments first, so the base's first segment being there means the rest are.
    async fn archive_holds(&self, base: &Manifest) -> Result<(), String> {
        let Some(wal) = &base.wal else {
            return Ok(());
        };
        let container = self.container().await?;
        let script = format!("ls {} | grep -q '^{}'", super::ARCHIVE, wal.start_segment);
        let out = crate::effects::exec::exec(
            &self.docker,
            &container,
            &["sh", "-c", &script],
            Duration::from_secs(30),
        )
        .await?;
        if out.code == 0 {
            Ok(())
        } else {
            Err(format!(
                "the WAL archive no longer holds segment {} that base {} starts from (pruned \
                 by retention of another backup folder?); take a new base backup",
                wal.start_segment, base.id
            ))
        }
    }

    /// Restores the whole cluster to `target`.
    pub async fn restore_to(
        &self,
        target: DateTime<Utc>,
        on: OnProgress<'_>,
    ) -> Result<Restored, String> {
        let lock = self.lock()?;
        let started = Instant::now();
        say(on, "restore --to", "archiving the current WAL", started);
        let base = match self.plan_to(target).await {
            Ok(b) => b,
            Err(e) => {
                let msg = format!("restore refused, the live database is untouched: {e}");
                self.audit(
                    "backup.restore_to",
                    json!({ "target": target }),
                    json!(null),
                    &Err(msg.clone()),
                );
                return Err(msg);
            }
        };
        let result = self
            .restore_to_locked(&lock, &base, target, on, started)
            .await;
        self.audit_restore("backup.restore_to", &base, Some(target), &result);
        result
    }
}
