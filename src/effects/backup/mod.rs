//! Backups of the lab's Postgres: take (`pg_dump -Fc`, or `pg_basebackup` for point-in-time
//! restores), verify by a real restore, restore, and restore to a point in time. The tools run
//! inside the lab's Postgres container, found through the lab's one label filter; the files
//! stream through the Docker API to the backup folder on this host. Every operation is audited.

mod base;
pub mod pg;
mod pitr;
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
}

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
            eprintln!(
                "driftdock: cannot append to the audit log {}: {e}",
                self.audit.path().display()
            );
        }
    }

    /// Every backup, oldest first, and the manifests that could not be read.
    pub fn list(&self) -> Result<(Vec<Manifest>, Vec<String>), String> {
        self.store.list()
    }

    /// Applies retention; returns the ids deleted.
    pub fn prune(&self, lock: &store::Locked, dry_run: bool) -> Result<Vec<String>, String> {
        let (all, _) = self.store.list()?;
        let doomed = retention::to_delete(&all, self.rule, chrono::Utc::now());
        if dry_run || doomed.is_empty() {
            return Ok(doomed);
        }
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
        self.audit(
            "backup.prune",
            json!({ "rule": { "keep_last": self.rule.keep_last,
                              "keep_within_s": self.rule.keep_within.as_secs() } }),
            json!({ "deleted": deleted }),
            &result,
        );
        result.map(|_| deleted)
    }

    pub fn lock(&self) -> Result<store::Locked, String> {
        self.store.lock()
    }
}
