//! Entering and leaving the terminal. It is always restored: on a normal exit, an early
//! error (the guard's Drop), a panic (ratatui's hook) and SIGTERM/SIGHUP/SIGINT (the loop
//! ends and the guard drops).

use anyhow::{Context, Result};
use ratatui::DefaultTerminal;

/// Restores the terminal when dropped, whatever path leaves the control room.
pub struct TerminalGuard {
    pub terminal: DefaultTerminal,
}

impl TerminalGuard {
    pub fn enter() -> Result<Self> {
        // try_init installs a panic hook that restores the terminal before the report prints.
        let terminal =
            ratatui::try_init().context("cannot set up the terminal (is this a TTY?)")?;
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}
