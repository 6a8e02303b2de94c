//! The recovery ledger: every fault, with its undo and deadline, written to disk *before* it is
//! applied and removed once it is undone, so a control room that dies (even by SIGKILL) leaves
//! behind what the next start needs to restore the lab.
//!
//! One JSON file, rewritten whole: temp file, fsync, rename, fsync of the folder. Every
//! read-modify-write holds an exclusive lock on a side file, so two DriftDocks never lose each
//! other's entries.

use crate::app::fault::{FaultKind, Undo};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub service: String,
    pub container_id: String,
    pub container_name: String,
    pub fault: FaultKind,
    pub undo: Undo,
    pub applied_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// The process that undoes it at the deadline; None when detached (left to `recover`).
    pub owner_pid: Option<u32>,
    /// `tui` or `cli`.
    pub via: String,
    /// Its address on the lab network before the fault: the gateway resolves its upstreams
    /// when it loads its config, so a container back at a new address needs a reload there.
    #[serde(default)]
    pub ip: Option<String>,
}

impl Entry {
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.deadline <= now
    }

    /// Nobody will undo it on time: its owner is gone (a SIGKILLed control room or runner).
    pub fn orphaned(&self) -> bool {
        self.owner_pid.is_some_and(|pid| !driftdock_alive(pid))
    }

    /// `pause worker`, `latency 300ms api-v1`…
    pub fn label(&self) -> String {
        format!("{} {}", self.fault.describe(), self.service)
    }
}

/// Whether `pid` is a live DriftDock process (a reused pid running something else is not).
fn driftdock_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).contains("driftdock"))
        .unwrap_or(false)
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File_ {
    version: u32,
    faults: Vec<Entry>,
}

/// The refusal of a second fault on a container that has one.
pub fn already_active(other: &Entry) -> String {
    format!(
        "a fault is already active on {}: {} until {} (id {})",
        other.service,
        other.fault.describe(),
        other.deadline.format("%H:%M:%S"),
        other.id
    )
}

/// Where the ledger lives: `DRIFTDOCK_LEDGER`, else `$XDG_STATE_HOME/driftdock/ledger.json`.
pub fn default_path() -> PathBuf {
    if let Ok(p) = std::env::var("DRIFTDOCK_LEDGER") {
        return PathBuf::from(p);
    }
    dirs::state_dir()
        .or_else(dirs::data_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("driftdock")
        .join("ledger.json")
}

#[derive(Clone, Debug)]
pub struct Ledger {
    path: PathBuf,
}

/// Held while the ledger is read and rewritten; the lock goes with the file.
struct Locked {
    _file: File,
}

impl Ledger {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Ledger { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> std::io::Result<Locked> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut name = self.path.as_os_str().to_owned();
        name.push(".lock");
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(PathBuf::from(name))?;
        f.lock()?;
        Ok(Locked { _file: f })
    }

    fn read(&self, _lock: &Locked) -> std::io::Result<File_> {
        match std::fs::read(&self.path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(File_::default()),
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                std::io::Error::other(format!(
                    "the recovery ledger {} is not valid JSON: {e}",
                    self.path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(File_::default()),
            Err(e) => Err(e),
        }
    }

    fn write(&self, _lock: &Locked, file: &File_) -> std::io::Result<()> {
        let mut bytes = serde_json::to_vec_pretty(file).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        super::durable::write_atomic(&self.path, &bytes)
    }

    /// Every fault in the ledger.
    pub fn entries(&self) -> std::io::Result<Vec<Entry>> {
        let lock = self.lock()?;
        Ok(self.read(&lock)?.faults)
    }

    /// Records a fault about to be applied. Refused when a fault is already recorded on the
    /// same container: one fault per target, so every undo is unambiguous.
    pub fn add(&self, entry: Entry) -> Result<(), String> {
        let lock = self.lock().map_err(|e| self.error(e))?;
        let mut file = self.read(&lock).map_err(|e| self.error(e))?;
        if let Some(other) = file
            .faults
            .iter()
            .find(|e| e.container_id == entry.container_id)
        {
            return Err(already_active(other));
        }
        file.version = 1;
        file.faults.push(entry);
        self.write(&lock, &file).map_err(|e| self.error(e))
    }

    /// Removes a fault once it is undone; false when it was not there.
    pub fn remove(&self, id: &str) -> std::io::Result<bool> {
        let lock = self.lock()?;
        let mut file = self.read(&lock)?;
        let before = file.faults.len();
        file.faults.retain(|e| e.id != id);
        if file.faults.len() == before {
            return Ok(false);
        }
        file.version = 1;
        self.write(&lock, &file)?;
        Ok(true)
    }

    fn error(&self, e: std::io::Error) -> String {
        format!("the recovery ledger {}: {e}", self.path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn entry(id: &str, container: &str) -> Entry {
        Entry {
            id: id.into(),
            service: "worker".into(),
            container_id: container.into(),
            container_name: "driftdock_worker_1".into(),
            fault: FaultKind::Pause,
            undo: Undo::Unpause,
            applied_at: Utc::now(),
            deadline: Utc::now() + Duration::seconds(15),
            owner_pid: Some(std::process::id()),
            via: "test".into(),
            ip: None,
        }
    }

    fn scratch(name: &str) -> Ledger {
        let dir = std::env::temp_dir().join(format!("dd-ledger-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Ledger::new(dir.join("ledger.json"))
    }

    #[test]
    fn entries_are_added_refused_on_the_same_target_and_removed() {
        let l = scratch("basic");
        assert!(l.entries().unwrap().is_empty());
        l.add(entry("a", "c1")).unwrap();
        let err = l.add(entry("b", "c1")).unwrap_err();
        assert!(err.contains("already active on worker"), "{err}");
        l.add(entry("c", "c2")).unwrap();
        assert_eq!(l.entries().unwrap().len(), 2);
        assert!(l.remove("a").unwrap());
        assert!(!l.remove("a").unwrap());
        let left = l.entries().unwrap();
        assert_eq!(left, vec![left[0].clone()]);
        assert_eq!(left[0].id, "c");
        assert!(!left[0].orphaned());
        let mut gone = entry("d", "c3");
        gone.owner_pid = Some(u32::MAX - 1);
        assert!(gone.orphaned());
    }

    #[test]
    fn concurrent_writers_lose_no_entry() {
        let l = scratch("concurrent");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let l = l.clone();
                std::thread::spawn(move || {
                    for i in 0..10 {
                        l.add(entry(&format!("{t}-{i}"), &format!("c{t}-{i}")))
                            .unwrap();
                    }
                    for i in 0..5 {
                        assert!(l.remove(&format!("{t}-{i}")).unwrap());
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(l.entries().unwrap().len(), 40);
    }

    #[test]
    fn a_corrupt_ledger_is_an_error_not_an_empty_one() {
        let l = scratch("corrupt");
        std::fs::create_dir_all(l.path().parent().unwrap()).unwrap();
        std::fs::write(l.path(), "{not json").unwrap();
        let err = l.entries().unwrap_err().to_string();
        assert!(err.contains("not valid JSON"), "{err}");
        assert!(l.add(entry("a", "c1")).is_err());
    }
}
