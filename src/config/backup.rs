//! The backups config: where backups live and which of them retention keeps.

use serde::{Deserialize, Deserializer};
use std::path::PathBuf;
use std::time::Duration;

fn age<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let v = humantime_serde::deserialize::<Duration, D>(d)?;
    if v > Duration::from_secs(10 * 365 * 86_400) {
        return Err(serde::de::Error::custom(format!(
            "expected an age up to 10 years (0s: off), got {}",
            humantime::format_duration(v)
        )));
    }
    Ok(v)
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Backup {
    /// Empty: `DRIFTDOCK_BACKUP_DIR`, else `$XDG_DATA_HOME/driftdock/backups`.
    pub dir: String,
    /// The lab service that runs Postgres; its tools (pg_dump, pg_restore) do the work.
    pub service: String,
    /// The services paused while a restore runs, so nothing writes to the database meanwhile.
    pub writers: Vec<String>,
    /// Retention keeps the newest `keep_last` of each kind (0: this rule is off)…
    pub keep_last: usize,
    /// …and every backup younger than `keep_within` (0s: this rule is off).
    #[serde(deserialize_with = "age")]
    pub keep_within: Duration,
}

impl Default for Backup {
    fn default() -> Self {
        Backup {
            dir: String::new(),
            service: "postgres".into(),
            writers: vec!["worker".into(), "api-v1".into(), "api-v2".into()],
            keep_last: 7,
            keep_within: Duration::from_secs(7 * 86_400),
        }
    }
}

impl Backup {
    /// The backup folder this config names.
    pub fn dir(&self) -> PathBuf {
        if !self.dir.is_empty() {
            return PathBuf::from(&self.dir);
        }
        if let Ok(d) = std::env::var("DRIFTDOCK_BACKUP_DIR") {
            if !d.is_empty() {
                return PathBuf::from(d);
            }
        }
        dirs::data_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("driftdock")
            .join("backups")
    }
}
