//! The backup folder: `ID.dump` or `ID.tar.gz` with `ID.json` (the manifest) beside it. A
//! backup is listed only once its manifest exists, and the manifest is written only after the
//! file is complete, synced and renamed into place, so a failed or cancelled backup never looks
//! valid. One operation at a time holds the folder's lock.

use crate::app::backup::{valid_id, Manifest, MANIFEST_VERSION};
use crate::effects::durable::{sync_dir, write_atomic};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Store {
    dir: PathBuf,
}

/// Held while an operation runs; dropping it lets the next one in.
pub struct Locked {
    _file: File,
}

/// A file being written: removed on drop unless it was kept.
pub struct Partial {
    pub path: PathBuf,
    kept: bool,
}

impl Partial {
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Store { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn io(&self, what: &str, e: std::io::Error) -> String {
        format!("backup folder {}: {what}: {e}", self.dir.display())
    }

    /// The folder's lock, or a clear refusal while another operation holds it.
    pub fn lock(&self) -> Result<Locked, String> {
        std::fs::create_dir_all(&self.dir).map_err(|e| self.io("cannot create it", e))?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(".lock"))
            .map_err(|e| self.io("cannot open its lock", e))?;
        match file.try_lock() {
            Ok(()) => Ok(Locked { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(format!(
                "another backup operation is running on {}; wait for it to finish",
                self.dir.display()
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(self.io("cannot lock it", e)),
        }
    }

    pub fn path_of(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// A hidden temp file for `file`; leftovers of a killed run are removed first.
    pub fn partial(&self, _lock: &Locked, file: &str) -> Result<(Partial, File), String> {
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().ends_with(".partial") {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let path = self.dir.join(format!(".{file}.partial"));
        let f = File::create(&path).map_err(|e| self.io("cannot create a file", e))?;
        Ok((
            Partial {
                path: path.clone(),
                kept: false,
            },
            f,
        ))
    }

    /// Moves a complete, synced partial file to its name.
    pub fn commit(&self, partial: Partial, file: &str) -> Result<PathBuf, String> {
        let to = self.dir.join(file);
        std::fs::rename(&partial.path, &to).map_err(|e| self.io("cannot rename the backup", e))?;
        partial.keep();
        sync_dir(&to).map_err(|e| self.io("cannot sync", e))?;
        Ok(to)
    }

    pub fn write_manifest(&self, m: &Manifest) -> Result<(), String> {
        let mut bytes = serde_json::to_vec_pretty(m).map_err(|e| e.to_string())?;
        bytes.push(b'\n');
        write_atomic(&self.dir.join(format!("{}.json", m.id)), &bytes)
            .map_err(|e| self.io("cannot write the manifest", e))
    }

    /// Every backup, oldest first, and a message for each manifest that cannot be read.
    pub fn list(&self) -> Result<(Vec<Manifest>, Vec<String>), String> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((vec![], vec![])),
            Err(e) => return Err(self.io("cannot read it", e)),
        };
        let mut found = Vec::new();
        let mut problems = Vec::new();
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if !name.ends_with(".json") || name.starts_with('.') {
                continue;
            }
            match read_manifest(&path) {
                Ok(m) => found.push(m),
                Err(msg) => problems.push(msg),
            }
        }
        found.sort_by(|a, b| a.started_at.cmp(&b.started_at).then(a.id.cmp(&b.id)));
        problems.sort();
        Ok((found, problems))
    }

    /// The backup `id`, or a message naming what there is.
    pub fn find(&self, id: &str) -> Result<Manifest, String> {
        if !valid_id(id) {
            return Err(format!(
                "`{id}` is not a backup id (like 20261206-063012-dump)"
            ));
        }
        let path = self.dir.join(format!("{id}.json"));
        if !path.exists() {
            return Err(format!(
                "no backup `{id}` in {}; `driftdock backup list` shows them",
                self.dir.display()
            ));
        }
        read_manifest(&path)
    }

    /// Removes a backup: its manifest first, so a half-removed backup is never listed.
    pub fn delete(&self, _lock: &Locked, m: &Manifest) -> Result<(), String> {
        let manifest = self.dir.join(format!("{}.json", m.id));
        std::fs::remove_file(&manifest).map_err(|e| self.io("cannot remove a manifest", e))?;
        match std::fs::remove_file(self.dir.join(&m.file)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(self.io("cannot remove a backup", e)),
        }
        sync_dir(&manifest).map_err(|e| self.io("cannot sync", e))
    }
}

/// A manifest, or `file:line:column: what was wrong`.
pub fn read_manifest(path: &Path) -> Result<Manifest, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}:{}: not a backup manifest: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    if m.version > MANIFEST_VERSION {
        return Err(format!(
            "{}: manifest version {} is newer than this driftdock reads ({MANIFEST_VERSION})",
            path.display(),
            m.version
        ));
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_string());
    if stem.as_deref() != Some(m.id.as_str()) || !valid_id(&m.id) || m.file.contains('/') {
        return Err(format!(
            "{}: its id `{}` or file `{}` does not match its name",
            path.display(),
            m.id,
            m.file
        ));
    }
    Ok(m)
}
