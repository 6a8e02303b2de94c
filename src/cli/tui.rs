//! No subcommand: the control room itself.

use anyhow::Result;
use driftdock::config::Config;
use driftdock::runtime::{self, Options};
use std::io::IsTerminal;

pub fn run(config: Config, readonly: bool) -> Result<i32> {
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the control room needs a terminal; for a one-off reading use `driftdock status`"
        );
    }
    // https://no-color.org: any non-empty NO_COLOR turns colour off.
    let monochrome = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    // One thread: the control room waits on I/O almost all the time, and a single thread
    // wakes less than a pool would.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(runtime::run(
        config,
        Options {
            readonly,
            monochrome,
        },
    ))?;
    Ok(0)
}
