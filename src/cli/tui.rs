//! No subcommand (and `up`): the control room itself, and the flags that shape and record its
//! screen.

use anyhow::Result;
use driftdock::config::Config;
use driftdock::record::cast::{Cast, Header, SharedCast};
use driftdock::record::redact::Redactor;
use driftdock::runtime::{self, Options};
use driftdock::ui::Theme;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Flags for the screen: recording it, journaling what it is fed, and how it looks.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ScreenArgs {
    /// Record what is drawn to FILE, an asciicast v2 file (`asciinema play FILE`).
    #[arg(long, global = true, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Replace an existing --record (or --journal) file instead of refusing to.
    #[arg(long, global = true)]
    pub overwrite: bool,
}

impl ScreenArgs {
    /// The subcommand that was given one of these flags but has no screen to apply it to.
    pub fn misplaced(&self) -> Option<&'static str> {
        self.record.is_some().then_some("--record")
    }
}

/// Opens the recording, when one was asked for, at the terminal's present size.
pub fn open_cast(args: &ScreenArgs, redactor: Redactor) -> Result<Option<SharedCast>> {
    let Some(path) = &args.record else {
        return Ok(None);
    };
    let (w, h) = ratatui::crossterm::terminal::size().unwrap_or((80, 24));
    let cast = Cast::create(path, &Header::new(w, h), args.overwrite, redactor)?;
    Ok(Some(cast.shared()))
}

/// Flushes the recording; an early stop is reported, and makes the exit code 1.
pub fn close_cast(cast: Option<SharedCast>) -> i32 {
    let Some(cast) = cast else { return 0 };
    let mut cast = cast.lock().unwrap_or_else(|p| p.into_inner());
    match cast.finish() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("driftdock: {e}");
            1
        }
    }
}

/// https://no-color.org: any non-empty NO_COLOR turns colour off.
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

pub fn run(config: Config, readonly: bool, args: &ScreenArgs) -> Result<i32> {
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the control room needs a terminal; for a one-off reading use `driftdock status`"
        );
    }
    let theme = Theme::for_no_color(no_color());
    let cast = open_cast(args, Redactor::for_config(&config))?;
    // One thread: the control room waits on I/O almost all the time, and a single thread
    // wakes less than a pool would.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(runtime::run(
        config,
        Options {
            readonly,
            theme,
            cast: cast.clone(),
        },
    ));
    let code = close_cast(cast);
    result?;
    Ok(code)
}
