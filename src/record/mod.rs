//! What DriftDock writes down: the audit log of every change it makes to the lab, recordings
//! of the screen (asciicast) and journals of the messages a run was fed, for replay.

pub mod audit;
pub mod cast;
pub mod journal;
pub mod redact;

/// Creates `path` for a recording or journal: an existing file is refused unless `overwrite`,
/// so a run never replaces one by accident.
pub fn create_file(path: &std::path::Path, overwrite: bool) -> anyhow::Result<std::fs::File> {
    use anyhow::Context;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    match options.open(path) {
        Ok(f) => Ok(f),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            anyhow::bail!("{} exists; pass --overwrite to replace it", path.display())
        }
        Err(e) => Err(e).with_context(|| format!("cannot write to {}", path.display())),
    }
}
