//! Backups as data: the manifest written beside each backup, the retention rule, the choice of
//! a base backup for a point-in-time restore, and how a restored database is compared with
//! what its manifest promised. No I/O here.

pub mod pitr;
pub mod retention;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The manifest format; a newer one is refused rather than misread.
pub const MANIFEST_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `pg_dump -Fc` of the lab's database: restored with pg_restore.
    Dump,
    /// `pg_basebackup` of the whole cluster: with the WAL archive, restores to a point in time.
    Base,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Dump => "dump",
            Kind::Base => "base",
        }
    }

    /// The backup file's extension.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Dump => "dump",
            Kind::Base => "tar.gz",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One table as the backup saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// `schema.name`.
    pub name: String,
    pub rows: i64,
    /// Column names and types in order: `id bigint, kind text, …`.
    pub columns: String,
}

/// The outcome of the last verification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub at: DateTime<Utc>,
    pub ok: bool,
    /// What was checked, or what failed.
    pub detail: String,
    pub took_ms: u64,
}

/// Where a base backup starts and ends in the WAL, for the archive and for PITR.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalSpan {
    pub timeline: u32,
    pub start_lsn: String,
    /// The first WAL segment the base needs: older archived segments may be pruned.
    pub start_segment: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub id: String,
    pub kind: Kind,
    /// The backup file's name, in the same folder.
    pub file: String,
    pub started_at: DateTime<Utc>,
    /// When the backup was complete: a base backup is consistent from here on.
    pub finished_at: DateTime<Utc>,
    pub size: u64,
    pub sha256: String,
    pub server_version: String,
    pub database: String,
    /// Row counts: exact for a dump (read in the dump's own snapshot); for a base backup,
    /// read while writers ran, so only the schema is compared.
    pub tables: Vec<Table>,
    /// `manual`, `safety` (taken before a restore), `after-restore` (a new base after PITR).
    pub reason: String,
    #[serde(default)]
    pub wal: Option<WalSpan>,
    #[serde(default)]
    pub verified: Option<Verification>,
}

impl Manifest {
    pub fn verified_ok(&self) -> bool {
        self.verified.as_ref().is_some_and(|v| v.ok)
    }

    /// `verified`, `FAILED`, or `unverified`.
    pub fn verification_word(&self) -> &'static str {
        match &self.verified {
            Some(v) if v.ok => "verified",
            Some(_) => "FAILED",
            None => "unverified",
        }
    }

    pub fn total_rows(&self) -> i64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// How far a running operation has come, for the gauge and the progress bar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// `backup`, `verify`, `restore`, `restore --to`.
    pub op: String,
    /// What it is doing now: `dumping`, `checking sha256`, `restoring`…
    pub phase: String,
    pub bytes: u64,
    /// The bytes expected, when known (a restore knows its file's size).
    pub total: Option<u64>,
    pub elapsed_ms: u64,
}

impl Progress {
    /// Bytes per second so far.
    pub fn rate(&self) -> f64 {
        if self.elapsed_ms == 0 {
            0.0
        } else {
            self.bytes as f64 * 1000.0 / self.elapsed_ms as f64
        }
    }
}

/// A backup's id: its kind and the UTC second it started, `20261206-063012-dump`.
pub fn new_id(kind: Kind, at: DateTime<Utc>) -> String {
    format!("{}-{}", at.format("%Y%m%d-%H%M%S"), kind.name())
}

/// Whether `id` is one this program could have made: nothing that could climb out of the
/// backup folder.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// What differs between the tables a manifest promised and those a restore produced. With
/// `rows` false only the schema is compared.
pub fn compare(expected: &[Table], actual: &[Table], rows: bool) -> Vec<String> {
    let mut diffs = Vec::new();
    for e in expected {
        match actual.iter().find(|a| a.name == e.name) {
            None => diffs.push(format!("table {} is missing", e.name)),
            Some(a) => {
                if a.columns != e.columns {
                    diffs.push(format!(
                        "table {}: columns ({}) where the manifest has ({})",
                        e.name, a.columns, e.columns
                    ));
                }
                if rows && a.rows != e.rows {
                    diffs.push(format!(
                        "table {}: {} rows where the manifest has {}",
                        e.name, a.rows, e.rows
                    ));
                }
            }
        }
    }
    for a in actual {
        if !expected.iter().any(|e| e.name == a.name) {
            diffs.push(format!("table {} is not in the manifest", a.name));
        }
    }
    diffs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, rows: i64, columns: &str) -> Table {
        Table {
            name: name.into(),
            rows,
            columns: columns.into(),
        }
    }

    #[test]
    fn ids_sort_by_time_and_never_climb_out() {
        let a = new_id(Kind::Dump, "2026-12-06T06:30:12Z".parse().unwrap());
        assert_eq!(a, "20261206-063012-dump");
        assert!(valid_id(&a));
        for bad in ["", "../x", "a/b", "x.dump", &"9".repeat(65)] {
            assert!(!valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn compare_names_every_difference() {
        let expected = [
            t("public.events", 10, "id bigint"),
            t("public.a", 1, "x int"),
        ];
        let actual = [
            t("public.events", 9, "id bigint"),
            t("public.b", 0, "y int"),
        ];
        let diffs = compare(&expected, &actual, true);
        assert_eq!(
            diffs,
            [
                "table public.events: 9 rows where the manifest has 10",
                "table public.a is missing",
                "table public.b is not in the manifest",
            ]
        );
        assert_eq!(compare(&expected, &actual, false).len(), 2);
        assert!(compare(&expected, &expected, true).is_empty());
    }
}
