//! The audit log: one JSON line per change made to the lab (who, what, when, before, after,
//! result). Appends are single `write` calls on an O_APPEND file, so concurrent writers never
//! interleave within a line.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub at: DateTime<Utc>,
    /// user@host of whoever ran DriftDock.
    pub who: String,
    /// `tui` or the headless subcommand.
    pub via: String,
    /// What was done: `canary.set`, `chaos.kill`, …
    pub what: String,
    pub before: Value,
    pub after: Value,
    /// `ok`, or the error.
    pub result: String,
}

/// Where the log lives: `DRIFTDOCK_AUDIT_LOG`, else `$XDG_STATE_HOME/driftdock/audit.jsonl`
/// (falling back to the data dir, then the temp dir).
pub fn default_path() -> PathBuf {
    if let Ok(p) = std::env::var("DRIFTDOCK_AUDIT_LOG") {
        return PathBuf::from(p);
    }
    dirs::state_dir()
        .or_else(dirs::data_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("driftdock")
        .join("audit.jsonl")
}

pub fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .or_else(user_from_uid)
        .unwrap_or_else(|| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!("{user}@{host}")
}

/// The name of this process's user from /etc/passwd, for sessions without USER (cron, CI,
/// containers).
fn user_from_uid() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid().to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_string())
    })
}

#[derive(Clone, Debug)]
pub struct AuditLog {
    path: PathBuf,
    via: String,
}

impl AuditLog {
    pub fn new(path: impl Into<PathBuf>, via: impl Into<String>) -> Self {
        AuditLog {
            path: path.into(),
            via: via.into(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry. Errors are returned, never swallowed: a change that cannot be
    /// audited is reported to the user.
    pub fn append(
        &self,
        what: &str,
        before: Value,
        after: Value,
        result: &Result<String, String>,
    ) -> std::io::Result<()> {
        let entry = Entry {
            at: Utc::now(),
            who: who(),
            via: self.via.clone(),
            what: what.to_string(),
            before,
            after,
            result: match result {
                Ok(_) => "ok".to_string(),
                Err(e) => crate::config::redact_str(e),
            },
        };
        let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(&line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_one_parseable_line_per_change_with_secrets_redacted() {
        let dir = std::env::temp_dir().join(format!("driftdock-audit-{}", std::process::id()));
        let log = AuditLog::new(dir.join("audit.jsonl"), "test");
        log.append("canary.set", 5.into(), 10.into(), &Ok("done".into()))
            .unwrap();
        log.append(
            "canary.set",
            10.into(),
            15.into(),
            &Err("cannot reach postgres://u:pw@db/x".into()),
        )
        .unwrap();
        let text = std::fs::read_to_string(log.path()).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["what"], "canary.set");
        assert_eq!(lines[0]["after"], 10);
        assert_eq!(lines[0]["result"], "ok");
        assert!(!lines[0]["who"].as_str().unwrap().starts_with("unknown@"));
        assert!(lines[1]["result"].as_str().unwrap().contains("u:***@db"));
        assert!(!text.contains("pw@"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
