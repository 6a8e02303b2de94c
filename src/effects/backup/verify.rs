//! Verification: the checksum, then a real restore (a scratch database for a dump, a scratch
//! server for a base backup), then the restored tables compared with the manifest. The scratch
//! copy is always removed, and the outcome is written into the manifest.

use super::stream::{exec_from_file, sha256_file, OnProgress, Ticker};
use super::{pg, Backups};
use crate::app::backup::{compare, Kind, Manifest, Verification};
use chrono::Utc;
use serde_json::json;
use std::time::Instant;

impl Backups {
    /// Checks that the file is the one the manifest describes.
    pub(super) async fn check_sha(&self, m: &Manifest, on: OnProgress<'_>) -> Result<(), String> {
        let path = self.store.path_of(&m.file);
        let len = std::fs::metadata(&path)
            .map_err(|e| format!("backup {}: cannot read {}: {e}", m.id, path.display()))?
            .len();
        if len != m.size {
            return Err(format!(
                "backup {} is corrupt: {} is {len} bytes, its manifest says {}",
                m.id,
                path.display(),
                m.size
            ));
        }
        let mut ticker = Ticker::new("verify", "checking sha256", Some(m.size), on);
        let sum = sha256_file(&path, &mut ticker).await?;
        if sum != m.sha256 {
            return Err(format!(
                "backup {} is corrupt: its sha256 is {}…, its manifest says {}…",
                m.id,
                &sum[..16],
                &m.sha256[..m.sha256.len().min(16)]
            ));
        }
        Ok(())
    }

    /// Verifies backup `id` and records the outcome in its manifest.
    pub async fn verify(&self, id: &str, on: OnProgress<'_>) -> Result<Manifest, String> {
        let _lock = self.lock()?;
        let mut m = self.store.find(id)?;
        let started = Instant::now();
        let outcome = self.verify_inner(&m, on).await;
        // Postgres DOWN says nothing about the backup: nothing is recorded then.
        let down = matches!(&outcome, Err(e) if e.starts_with("postgres is DOWN"));
        if !down {
            m.verified = Some(Verification {
                at: Utc::now(),
                ok: outcome.is_ok(),
                detail: match &outcome {
                    Ok(d) | Err(d) => d.clone(),
                },
                took_ms: started.elapsed().as_millis() as u64,
            });
            self.store.write_manifest(&m)?;
        }
        let result = outcome.clone().map(|_| m.id.clone());
        self.audit(
            "backup.verify",
            json!({ "id": m.id, "kind": m.kind }),
            json!({ "verified": m.verified }),
            &result,
        );
        outcome.map(|_| m)
    }

    async fn verify_inner(&self, m: &Manifest, on: OnProgress<'_>) -> Result<String, String> {
        self.check_sha(m, on).await?;
        let (actual, rows) = match m.kind {
            Kind::Dump => (self.restore_dump_scratch(m, on).await?, true),
            Kind::Base => (self.restore_base_scratch(m, on).await?, false),
        };
        let diffs = compare(&m.tables, &actual, rows);
        if !diffs.is_empty() {
            return Err(format!(
                "the restored copy differs from the manifest: {}",
                diffs.join("; ")
            ));
        }
        let total: i64 = actual.iter().map(|t| t.rows).sum();
        Ok(format!(
            "sha256 ok; restored {} tables, {total} rows{}",
            actual.len(),
            if rows {
                ", as the manifest says"
            } else {
                " (schema as the manifest says)"
            }
        ))
    }

    /// Restores a dump into a scratch database, reads its tables, drops it.
    async fn restore_dump_scratch(
        &self,
        m: &Manifest,
        on: OnProgress<'_>,
    ) -> Result<Vec<crate::app::backup::Table>, String> {
        let container = self.container().await?;
        let scratch = format!(
            "driftdock_verify_{}",
            m.id.replace('-', "_").to_ascii_lowercase()
        );
        let mut admin = self.target.connect(Some("postgres")).await?;
        let drop_sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            pg::ident(&scratch)
        );
        pg::execute(&mut admin, &drop_sql).await?;
        pg::execute(
            &mut admin,
            &format!("CREATE DATABASE {} TEMPLATE template0", pg::ident(&scratch)),
        )
        .await?;
        let result = async {
            let cmd = self.target.pg_restore(&scratch, &[]);
            let mut ticker = Ticker::new("verify", "restoring a scratch copy", Some(m.size), on);
            let path = self.store.path_of(&m.file);
            exec_from_file(&self.docker, &container, &cmd, &path, &mut ticker).await?;
            let mut conn = self.target.connect(Some(&scratch)).await?;
            pg::tables(&mut conn).await
        }
        .await;
        let dropped = pg::execute(&mut admin, &drop_sql).await;
        let tables = result?;
        dropped?;
        Ok(tables)
    }
}
