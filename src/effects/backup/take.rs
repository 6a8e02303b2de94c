//! Taking a dump: row counts and `pg_dump -Fc` read one exported snapshot, so the manifest's
//! counts are exactly what the file holds.

use super::store::Partial;
use super::stream::{exec_to_file, OnProgress, Ticker};
use super::{pg, Backups};
use crate::app::backup::{new_id, Kind, Manifest, Table, WalSpan, MANIFEST_VERSION};
use chrono::DateTime;
use chrono::Utc;
use serde_json::json;
use sqlx::postgres::PgConnection;

impl Backups {
    /// Takes a backup of `kind`, then applies retention. `reason` is kept in the manifest.
    pub async fn create(
        &self,
        kind: Kind,
        reason: &str,
        on: OnProgress<'_>,
    ) -> Result<Manifest, String> {
        let lock = self.lock()?;
        let m = self.create_locked(&lock, kind, reason, on).await?;
        // A prune that fails does not undo a good backup; it is audited and said.
        if let Err(e) = self.prune(&lock).await {
            (self.warn)(format!("retention: {e}"));
        }
        Ok(m)
    }

    /// Takes and audits a backup; the caller holds the folder's lock.
    pub(super) async fn create_locked(
        &self,
        lock: &super::store::Locked,
        kind: Kind,
        reason: &str,
        on: OnProgress<'_>,
    ) -> Result<Manifest, String> {
        let result = match kind {
            Kind::Dump => self.dump(lock, reason, on).await,
            Kind::Base => self.base(lock, reason, on).await,
        };
        let audit_result = result.as_ref().map(|m| m.id.clone()).map_err(Clone::clone);
        let after = match &result {
            Ok(m) => json!({ "id": m.id, "kind": kind, "size": m.size, "sha256": m.sha256,
                             "rows": m.total_rows(), "reason": reason,
                             "took_ms": (m.finished_at - m.started_at).num_milliseconds() }),
            Err(_) => json!({ "kind": kind, "reason": reason }),
        };
        self.audit(
            "backup.create",
            json!({ "dir": self.store.dir() }),
            after,
            &audit_result,
        );
        result
    }

    /// A free id for a backup starting now.
    pub(super) fn fresh_id(&self, kind: Kind, at: chrono::DateTime<Utc>) -> String {
        let id = new_id(kind, at);
        let mut n = 1;
        let mut candidate = id.clone();
        while self.store.path_of(&format!("{candidate}.json")).exists() {
            n += 1;
            candidate = format!("{id}-{n}");
        }
        candidate
    }

    /// What every backup starts with: the container, an id, a connection.
    pub(super) async fn begin(&self, kind: Kind) -> Result<Begun, String> {
        let container = self.container().await?;
        let started_at = Utc::now();
        let id = self.fresh_id(kind, started_at);
        let file = format!("{id}.{}", kind.extension());
        let mut conn = self.target.connect(None).await?;
        let server_version = pg::server_version(&mut conn).await?;
        Ok(Begun {
            container,
            kind,
            started_at,
            id,
            file,
            conn,
            server_version,
        })
    }

    /// Streams `cmd`'s output into the backup's temp file: the file (kept only by `keep`),
    /// its size and sha256.
    pub(super) async fn stream_out(
        &self,
        lock: &super::store::Locked,
        b: &Begun,
        cmd: &[String],
        phase: &str,
        on: OnProgress<'_>,
    ) -> Result<(Partial, u64, String), String> {
        let (partial, mut out) = self.store.partial(lock, &b.file)?;
        let mut ticker = Ticker::new("backup", phase, None, on);
        let (size, sha256) = exec_to_file(&self.docker, &b.container, cmd, &mut out, &mut ticker)
            .await
            .map_err(|e| {
                format!(
                    "backup failed, nothing kept in {}: {e}",
                    self.store.dir().display()
                )
            })?;
        Ok((partial, size, sha256))
    }

    /// Moves the file into place, then writes its manifest; on failure neither is left.
    pub(super) fn keep(&self, partial: Partial, m: Manifest) -> Result<Manifest, String> {
        self.store.commit(partial, &m.file)?;
        if let Err(e) = self.store.write_manifest(&m) {
            let _ = std::fs::remove_file(self.store.path_of(&m.file));
            return Err(e);
        }
        Ok(m)
    }

    async fn dump(
        &self,
        lock: &super::store::Locked,
        reason: &str,
        on: OnProgress<'_>,
    ) -> Result<Manifest, String> {
        let mut b = self.begin(Kind::Dump).await?;
        let snapshot = pg::export_snapshot(&mut b.conn).await?;
        let tables = pg::tables(&mut b.conn).await?;
        let cmd: Vec<String> = [
            "pg_dump",
            "--format=custom",
            "--no-password",
            "--username",
            &self.target.user,
            "--dbname",
            &self.target.database,
            "--snapshot",
            &snapshot,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let streamed = self.stream_out(lock, &b, &cmd, "dumping", on).await;
        pg::end_snapshot(&mut b.conn).await;
        let (partial, size, sha256) = streamed?;
        let m = b.manifest(&self.target.database, reason, size, sha256, tables, None);
        self.keep(partial, m)
    }
}

pub(super) struct Begun {
    pub container: String,
    pub kind: Kind,
    pub started_at: DateTime<Utc>,
    pub id: String,
    pub file: String,
    pub conn: PgConnection,
    pub server_version: String,
}

impl Begun {
    /// The manifest of a backup complete now.
    pub fn manifest(
        &self,
        database: &str,
        reason: &str,
        size: u64,
        sha256: String,
        tables: Vec<Table>,
        wal: Option<WalSpan>,
    ) -> Manifest {
        Manifest {
            version: MANIFEST_VERSION,
            id: self.id.clone(),
            kind: self.kind,
            file: self.file.clone(),
            started_at: self.started_at,
            finished_at: Utc::now(),
            size,
            sha256,
            server_version: self.server_version.clone(),
            database: database.into(),
            tables,
            reason: reason.into(),
            wal,
            verified: None,
        }
    }
}
