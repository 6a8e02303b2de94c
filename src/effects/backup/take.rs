//! Taking a dump: row counts and `pg_dump -Fc` read one exported snapshot, so the manifest's
//! counts are exactly what the file holds.

use super::stream::{exec_to_file, OnProgress, Ticker};
use super::{pg, Backups};
use crate::app::backup::{new_id, Kind, Manifest, MANIFEST_VERSION};
use chrono::Utc;
use serde_json::json;

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
        if let Err(e) = self.prune(&lock, false) {
            eprintln!("driftdock: retention: {e}");
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

    async fn dump(
        &self,
        lock: &super::store::Locked,
        reason: &str,
        on: OnProgress<'_>,
    ) -> Result<Manifest, String> {
        let container = self.container().await?;
        let started_at = Utc::now();
        let id = self.fresh_id(Kind::Dump, started_at);
        let file = format!("{id}.{}", Kind::Dump.extension());
        let mut conn = self.target.connect(None).await?;
        let server_version = pg::server_version(&mut conn).await?;
        let snapshot = pg::export_snapshot(&mut conn).await?;
        let tables = pg::tables(&mut conn).await?;
        let (partial, mut out) = self.store.partial(lock, &file)?;
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
        let mut ticker = Ticker::new("backup", "dumping", None, on);
        let streamed = exec_to_file(&self.docker, &container, &cmd, &mut out, &mut ticker).await;
        pg::end_snapshot(&mut conn).await;
        let (size, sha256) = streamed.map_err(|e| {
            format!(
                "backup failed, nothing kept in {}: {e}",
                self.store.dir().display()
            )
        })?;
        drop(out);
        self.store.commit(partial, &file)?;
        let m = Manifest {
            version: MANIFEST_VERSION,
            id,
            kind: Kind::Dump,
            file,
            started_at,
            finished_at: Utc::now(),
            size,
            sha256,
            server_version,
            database: self.target.database.clone(),
            tables,
            reason: reason.into(),
            wal: None,
            verified: None,
        };
        if let Err(e) = self.store.write_manifest(&m) {
            let _ = std::fs::remove_file(self.store.path_of(&m.file));
            return Err(e);
        }
        Ok(m)
    }
}
