//! No subcommand (and `up`): the control room itself, and the flags that shape and record its
//! screen.

use anyhow::Result;
use driftdock::config::{Config, PaletteName};
use driftdock::record::cast::{Cast, Header, SharedCast};
use driftdock::record::redact::Redactor;
use driftdock::runtime::{self, Options};
use driftdock::ui::{Palette, Theme};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Flags for the screen: recording it, journaling what it is fed, and how it looks.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ScreenArgs {
    /// Record what is drawn to FILE, an asciicast v2 file (`asciinema play FILE`).
    #[arg(long, global = true, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Write every message the control room handles to FILE (JSON lines) for `driftdock replay`.
    #[arg(long, global = true, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Replace an existing --record (or --journal) file instead of refusing to.
    #[arg(long, global = true)]
    pub overwrite: bool,
    /// Start with the keys pressed shown on screen, for screencasts (`o` toggles).
    #[arg(long, global = true)]
    pub keys: bool,
    /// Start in the presenter theme: bold, high contrast, big headline figures (`T` toggles).
    #[arg(long, global = true)]
    pub presenter: bool,
    /// Colours: `default`, or `cb` (colour-blind safe); overrides the config's `[ui] palette`.
    #[arg(long, global = true, value_enum, value_name = "PALETTE")]
    pub palette: Option<PaletteArg>,
    /// Load this drill file into the drill panel (`d` shows it, `E` starts it).
    #[arg(long, global = true, value_name = "FILE")]
    pub drill: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaletteArg {
    Default,
    #[value(alias = "colorblind")]
    Cb,
}

impl ScreenArgs {
    /// The flag given to a subcommand that has no screen to apply it to; `replay` takes all
    /// but `--journal`.
    pub fn misplaced(&self, replay: bool) -> Option<&'static str> {
        if replay {
            return [
                (self.journal.is_some(), "--journal"),
                (self.drill.is_some(), "--drill"),
            ]
            .into_iter()
            .find_map(|(given, flag)| given.then_some(flag));
        }
        [
            (self.journal.is_some(), "--journal"),
            (self.record.is_some(), "--record"),
            (self.keys, "--keys"),
            (self.presenter, "--presenter"),
            (self.palette.is_some(), "--palette"),
            (self.drill.is_some(), "--drill"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }

    /// The theme: the flag's palette, else the config's; NO_COLOR turns colour off.
    pub fn theme(&self, config: &Config) -> Theme {
        let palette = match (self.palette, config.ui.palette) {
            (Some(PaletteArg::Cb), _) | (None, PaletteName::Colorblind) => Palette::Colorblind,
            (Some(PaletteArg::Default), _) | (None, PaletteName::Default) => Palette::Default,
        };
        Theme::new(palette, no_color())
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
    // A bad drill file is refused before the screen is taken, with its line.
    if let Some(path) = &args.drill {
        if let Err(e) = driftdock::effects::drill::load(&path.display().to_string()) {
            eprintln!("{e}");
            return Ok(2);
        }
    }
    let theme = args.theme(&config);
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
            show_keys: args.keys,
            presenter: args.presenter,
            journal: args.journal.clone(),
            overwrite: args.overwrite,
            drill: args.drill.as_ref().map(|p| p.display().to_string()),
        },
    ));
    let code = close_cast(cast);
    result?;
    Ok(code)
}
