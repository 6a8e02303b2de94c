//! `driftdock replay FILE`: a journaled run, played back offline through the same update and
//! view. Needs no Docker and no lab; only a terminal.

use super::tui::{close_cast, open_cast, ScreenArgs};
use anyhow::{bail, Result};
use driftdock::config::Config;
use driftdock::record::journal;
use driftdock::record::redact::Redactor;
use driftdock::replay::{self, Options};
use std::io::IsTerminal;
use std::path::Path;

pub fn run(config: &Config, file: &Path, speed: f64, hold: bool, args: &ScreenArgs) -> Result<i32> {
    if !(speed.is_finite() && speed > 0.0) {
        bail!("--speed: expected a number above 0, got {speed}");
    }
    // The whole file is checked before the screen is taken over, so its errors print plainly.
    let mut journal = journal::read(file)?;
    if !std::io::stdout().is_terminal() {
        bail!("a replay needs a terminal");
    }
    if args.keys {
        journal.start.show_keys = true;
    }
    if args.presenter {
        journal.start.presenter = true;
    }
    let cut_off = journal.cut_off;
    let cast = open_cast(args, Redactor::for_config(config))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let summary = rt.block_on(replay::run(
        journal,
        Options {
            speed,
            theme: args.theme(config),
            cast: cast.clone(),
            hold,
        },
    ));
    let code = close_cast(cast);
    let summary = summary?;
    eprintln!(
        "driftdock: replayed {} of {} messages from {}{}; {} commands not executed (replay)",
        summary.replayed,
        summary.total,
        file.display(),
        if cut_off {
            " (its cut-off last line left out)"
        } else {
            ""
        },
        summary.not_executed
    );
    Ok(code)
}
