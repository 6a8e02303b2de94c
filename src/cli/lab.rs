//! `driftdock lab`: the lab's lifecycle. The work lives in `stack/lab.sh`, so the script and
//! the binary can never disagree about how the lab is built or started.

use anyhow::{Context, Result};
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

/// Where the lab's files are (see `effects::load::stack_dir`).
pub fn stack_dir() -> Result<PathBuf> {
    driftdock::effects::load::stack_dir().map_err(anyhow::Error::msg)
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
