//! Backups of the lab's Postgres: take (`pg_dump -Fc`, or `pg_basebackup` for point-in-time
//! restores), verify by a real restore, restore, and restore to a point in time. The tools run
//! inside the lab's Postgres container, found through the lab's one label filter; the files
//! stream through the Docker API to the backup folder on this host. Every operation is audited.

mod base;
pub mod pg;
mod pitr;
mod recovery;
pub mod restore;
pub mod store;
pub mod stream;
mod take;
mod verify;

use crate::app::backup::retention::{self, Rule};
use crate::app::backup::Manifest;
use crate::config::Config;
use crate::effects::chaos::Chaos;
use crate::effects::ledger::{self, Ledger};
use crate::record::audit::AuditLog;
use bollard::Docker;
use serde_json::{json, Value};
pub use store::Store;
pub use stream::OnProgress;

/// The WAL archive inside the Postgres container (lab contract, stack/README.md).
pub(crate) const ARCHIVE: &str = "/var/lib/postgresql/wal-archive";

/// What the backups need to reach the lab.
#[derive(Clone)]
pub struct Backups {
    pub docker: Docker,
    pub project: String,
    pub service: String,
    pub target: pg::Target,
    pub redis_url: String,
    pub store: Store,
    pub rule: Rule,
    pub audit: AuditLog,
    /// The services paused while a restore runs.
    pub writers: Vec<String>,
    /// Pauses writers and stops Postgres through the recovery ledger, so a control room that
    /// dies mid-restore leaves nothing frozen.
    pub chaos: Chaos,
    /// Where a problem that does not fail the operation is said (a retention or audit
    /// failure): stderr headless, a toast in the control room.
    pub warn: Warn,
}

pub type Warn = std::sync::Arc<dyn Fn(String) + Send + Sync>;

impl Backups {
    pub fn new(config: &Config, docker: Docker, via: &str) -> Result<Backups, String> {
        let audit = AuditLog::new(crate::record::audit::default_path(), via);
        Ok(Backups {
            docker: docker.clone(),
            project: config.lab.project.clone(),
            service: config.backup.service.clone(),
            target: pg::Target::from_url(&config.endpoints.postgres)?,
            redis_url: config.endpoints.redis.expose().to_string(),
            store: Store::new(config.backup.dir()),
            rule: Rule {
                keep_last: config.backup.keep_last,
                keep_within: config.backup.keep_within,
            },
            audit: audit.clone(),
            writers: config.backup.writers.clone(),
            chaos: Chaos {
                docker,
                project: config.lab.project.clone(),
                network: config.chaos.network.clone(),
                ledger: Ledger::new(ledger::default_path()),
                audit,
                via: via.to_string(),
            },
            warn: std::sync::Arc::new(|text| eprintln!("driftdock: {text}")),
        })
    }

    /// The running Postgres container of the lab.
    pub async fn container(&self) -> Result<String, String> {
        crate::effects::canary::lab_service(&self.docker, &self.project, &self.service)
            .await
            .map_err(|e| format!("postgres is DOWN: {e}"))
    }

    fn audit(&self, what: &str, before: Value, after: Value, result: &Result<String, String>) {
        // An operation that ran is not undone because its audit line could not be written;
        // the failure is said on stderr instead.
        if let Err(e) = self.audit.append(what, before, after, result) {
            (self.warn)(format!(
                "cannot append to the audit log {}: {e}",
                self.audit.path().display()
            ));
        }
    }

    /// Every backup, oldest first, and the manifests that could not be read.
    pub fn list(&self) -> Result<(Vec<Manifest>, Vec<String>), String> {
        self.store.list()
    }

    /// Applies retention, then lets the WAL archive go back no further than the oldest base
    /// backup kept needs; returns the ids deleted.
    pub async fn prune(&self, lock: &store::Locked) -> Result<Vec<String>, String> {
        let (all, _) = self.store.list()?;
        let doomed = retention::to_delete(&all, self.rule, chrono::Utc::now());
        let mut deleted = Vec::new();
        let mut result = Ok(String::new());
        for m in all.iter().filter(|m| doomed.contains(&m.id)) {
            match self.store.delete(lock, m) {
                Ok(()) => deleted.push(m.id.clone()),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        let oldest_base = all
            .iter()
            .filter(|m| !doomed.contains(&m.id))
            .filter_map(|m| m.wal.as_ref())
            .map(|w| w.start_segment.clone())
            .min_by(|a, b| a[8..].cmp(&b[8..]));
        let mut archive = None;
        if let (Ok(_), Some(segment)) = (&result, &oldest_base) {
            archive = Some(self.clean_archive(segment).await);
            if let Some(Err(e)) = &archive {
                result = Err(format!("WAL archive clean-up: {e}"));
            }
        }
        if !deleted.is_empty() || archive.is_some() {
            self.audit(
                "backup.prune",
                json!({ "rule": { "keep_last": self.rule.keep_last,
                                  "keep_within_s": self.rule.keep_within.as_secs() } }),
                json!({ "deleted": deleted, "wal_kept_from": oldest_base,
                        "wal_removed": archive.and_then(Result::ok) }),
                &result,
            );
        }
        result.map(|_| deleted)
    }

    /// Removes archived WAL older than `segment`; returns how many files went.
    async fn clean_archive(&self, segment: &str) -> Result<u64, String> {
        let container = self.container().await?;
        let script = format!(
            "before=$(ls {ARCHIVE} | wc -l); pg_archivecleanup -x .gz {ARCHIVE} {segment} && \
             pg_archivecleanup {ARCHIVE} {segment} && echo $((before - $(ls {ARCHIVE} | wc -l)))"
        );
        let out = self
            .as_postgres(&container, &script, std::time::Duration::from_secs(60))
            .await?;
        Ok(out.trim().parse().unwrap_or(0))
    }

    /// Runs a shell script as the postgres user in the container; its output, or why it failed.
    pub(super) async fn as_postgres(
        &self,
        container: &str,
        script: &str,
        timeout: std::time::Duration,
    ) -> Result<String, String> {
        let cmd = [
            "setpriv",
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "sh",
            "-c",
            script,
        ];
        let out = crate::effects::exec::exec(&self.docker, container, &cmd, timeout).await?;
        if out.code != 0 {
            return Err(crate::config::redact_str(&out.output));
        }
        Ok(out.output)
    }

    pub fn lock(&self) -> Result<store::Locked, String> {
        self.store.lock()
    }
}
