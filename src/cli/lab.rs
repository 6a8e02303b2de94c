//! `driftdock lab`: the lab's lifecycle. The work lives in `stack/lab.sh`, so the script and
//! the binary can never disagree about how the lab is built or started.

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::Command;

#[derive(Subcommand, Clone, Copy, Debug)]
pub enum LabAction {
    /// Build what is missing, start the lab and wait until every container is healthy.
    Up,
    /// Stop the lab, keeping its data.
    Down,
    /// Stop the lab and drop its volumes.
    Reset,
    /// List the lab's containers.
    Ps,
    /// Build the base image, the lab binaries and the images, without starting anything.
    Build,
}

impl LabAction {
    fn verb(self) -> &'static str {
        match self {
            LabAction::Up => "up",
            LabAction::Down => "down",
            LabAction::Reset => "reset",
            LabAction::Ps => "ps",
            LabAction::Build => "build",
        }
    }
}

/// Where the lab's files are: `DRIFTDOCK_STACK_DIR`, else `./stack`, else the source tree
/// this binary was built from.
pub fn stack_dir() -> Result<PathBuf> {
    if let Ok(dir) = std::env::var("DRIFTDOCK_STACK_DIR") {
        let dir = PathBuf::from(dir);
        if dir.join("lab.sh").is_file() {
            return Ok(dir);
        }
        bail!(
            "DRIFTDOCK_STACK_DIR={} has no lab.sh: point it at the repository's stack/ folder",
            dir.display()
        );
    }
    let candidates = [
        PathBuf::from("stack"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("stack"),
    ];
    candidates
        .into_iter()
        .find(|dir| dir.join("lab.sh").is_file())
        .context("cannot find the lab's stack/ folder: run from the repository or set DRIFTDOCK_STACK_DIR")
}

pub fn run(action: LabAction) -> Result<i32> {
    let dir = stack_dir()?;
    let status = Command::new("bash")
        .arg(dir.join("lab.sh"))
        .arg(action.verb())
        .status()
        .context("cannot run bash to drive the lab")?;
    Ok(status.code().unwrap_or(1))
}
