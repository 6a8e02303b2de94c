//! Entering and leaving the terminal. It is always restored: on a normal exit, an early
//! error (the guard's Drop), a panic (the hook below) and SIGTERM/SIGHUP/SIGINT (the loop
//! ends and the guard drops).

use crate::record::cast::{SharedCast, Tee};
use anyhow::{Context, Result};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{enable_raw_mode, EnterAlternateScreen};
use ratatui::Terminal;
use std::io::{stdout, Stdout};
use std::sync::Once;

/// The terminal the control room draws on: stdout, teed into a recording when there is one.
pub type Screen = Terminal<CrosstermBackend<Tee<Stdout>>>;

/// Restores the terminal when dropped, whatever path leaves the control room.
pub struct TerminalGuard {
    pub terminal: Screen,
}

static HOOK: Once = Once::new();

/// Restores the terminal before a panic's report prints, so the report is readable.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            ratatui::restore();
            hook(info);
        }));
    });
}

impl TerminalGuard {
    /// Raw mode and the alternate screen; what is drawn from here on is teed into `cast`.
    /// Entering the alternate screen is not recorded, so a recording ends on the last frame.
    pub fn enter(cast: Option<SharedCast>) -> Result<Self> {
        install_panic_hook();
        let setup = || -> std::io::Result<Screen> {
            enable_raw_mode()?;
            execute!(stdout(), EnterAlternateScreen)?;
            let mut terminal = Terminal::new(CrosstermBackend::new(Tee::new(stdout(), cast)))?;
            // A recording starts from a clear screen whatever its player shows first.
            terminal.clear()?;
            Ok(terminal)
        };
        match setup() {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                ratatui::restore();
                Err(e).context("cannot set up the terminal (is this a TTY?)")
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}
