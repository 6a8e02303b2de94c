//! DriftDock: a terminal control room for a local DevOps lab.

mod cli;

use clap::{Parser, Subcommand};
use driftdock::config::Config;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "driftdock",
    version,
    about = "A terminal control room for a local DevOps lab",
    long_about = "With no subcommand, opens the control room on the lab. Every key that changes \
                  the lab has a headless subcommand twin."
)]
struct Args {
    /// Config file (default: $XDG_CONFIG_HOME/driftdock/config.toml, then the built-in one).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Watch only: every key and command that would change the lab is refused.
    #[arg(long, global = true)]
    readonly: bool,
    /// The canary plan `p` runs in the control room (default: the config's `[canary] plan`).
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    #[command(flatten)]
    screen: cli::tui::ScreenArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Bring the lab up (building what is missing) and open the control room on it.
    Up,
    /// Build, start, stop and list the lab's compose project.
    Lab {
        #[command(subcommand)]
        action: cli::lab::LabAction,
    },
    /// The control room's figures, read once. Exits 1 when a source is DOWN.
    Status {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The canary: its status, set a split, promote, abort, run a guarded plan.
    Canary {
        /// JSON (one object, or JSON lines for a plan's progress) instead of text.
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        action: cli::canary::CanaryAction,
    },
    /// The lab's load generator: start, stop, status.
    Load {
        /// JSON instead of text.
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        action: cli::load::LoadAction,
    },
    /// Faults on lab containers, always undone: kill, pause, stop, restart, partition, latency,
    /// stress, random; list, stop-all, recover.
    Chaos {
        /// JSON lines instead of text.
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        action: cli::chaos::ChaosAction,
    },
    /// Postgres backups: create, list, verify, restore (or restore --to a point in time),
    /// prune.
    Backup {
        /// JSON instead of text.
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        action: cli::backup::BackupAction,
    },
    /// Drills: a steady-state hypothesis, a method of faults, objectives and rollbacks;
    /// check files, or run one headless with a report.
    Drill {
        /// JSON instead of text.
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        action: cli::drill::DrillAction,
    },
    /// Play a journal (`--journal FILE`) back offline: the same screens, no Docker, no effects.
    Replay {
        /// The journal a run wrote with `--journal`.
        file: PathBuf,
        /// How much faster than the run: 2 is twice as fast.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Leave at the end instead of keeping the last screen until a key is pressed.
        #[arg(long)]
        exit_at_end: bool,
    },
    /// Demo tapes: play one against the control room, recorded; or check tapes.
    Demo {
        /// JSON instead of text.
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        action: cli::demo::DemoAction,
    },
}

/// The config, with `--plan FILE` (if given) as the plan `p` runs.
fn config_with_plan(config: Option<&Path>, plan: Option<&Path>) -> anyhow::Result<Config> {
    let mut c = Config::load(config)?;
    if let Some(path) = plan {
        let p = c.canary.load_plan(path)?;
        c.canary.plan = p.steps;
        c.canary.guard = p.guard;
    }
    Ok(c)
}

/// Every start except `lab …` first undoes what the recovery ledger says is overdue; the
/// control room does it itself, to say so in a toast; `chaos stop-all|recover` are that.
fn recover_first(args: &Args) {
    use cli::chaos::ChaosAction;
    match &args.command {
        // A replay touches nothing and may run where there is no Docker at all.
        // A demo's control room recovers at its own start.
        Some(Command::Lab { .. })
        | None
        | Some(Command::Up)
        | Some(Command::Replay { .. })
        | Some(Command::Demo { .. }) => {}
        Some(Command::Chaos {
            action: ChaosAction::StopAll | ChaosAction::Recover,
            ..
        }) => {}
        // Checking a file touches nothing.
        Some(Command::Drill {
            action: cli::drill::DrillAction::Check { .. },
            ..
        }) => {}
        Some(_) => {
            if let Ok(c) = Config::load(args.config.as_deref()) {
                cli::chaos::recover_at_start(&c, args.readonly);
            }
        }
    }
}

/// The screen's flags apply to the control room (and `up`) only.
fn check_screen_flags(args: &Args) -> anyhow::Result<()> {
    match &args.command {
        None | Some(Command::Up) => Ok(()),
        Some(Command::Replay { .. }) => match args.screen.misplaced(true) {
            Some(flag) => anyhow::bail!("{flag} applies to the control room and `up` only"),
            None => Ok(()),
        },
        Some(_) => match args.screen.misplaced(false) {
            Some(flag) => {
                anyhow::bail!("{flag} applies to the control room, `up` and `replay` only")
            }
            None => Ok(()),
        },
    }
}

fn main() {
    let args = Args::parse();
    if let Err(err) = check_screen_flags(&args) {
        eprintln!("driftdock: {err:#}");
        std::process::exit(2);
    }
    recover_first(&args);
    let code =
        match args.command {
            Some(Command::Lab { action }) => cli::lab::run(action),
            Some(Command::Up) => Config::load(args.config.as_deref()).and_then(|c| {
                match cli::lab::run(cli::lab::LabAction::Up)? {
                    0 => cli::tui::run(c, args.readonly, &args.screen),
                    code => Ok(code),
                }
            }),
            Some(Command::Status { json }) => {
                Config::load(args.config.as_deref()).and_then(|c| cli::status::run(&c, json))
            }
            Some(Command::Canary { json, action }) => Config::load(args.config.as_deref())
                .and_then(|c| cli::canary::run(&c, action, json, args.readonly)),
            Some(Command::Load { json, action }) => Config::load(args.config.as_deref())
                .and_then(|c| cli::load::run(&c, action, json, args.readonly)),
            Some(Command::Chaos { json, action }) => Config::load(args.config.as_deref())
                .and_then(|c| cli::chaos::run(&c, action, json, args.readonly)),
            Some(Command::Backup { json, action }) => Config::load(args.config.as_deref())
                .and_then(|c| cli::backup::run(&c, action, json, args.readonly)),
            Some(Command::Drill { json, action }) => Config::load(args.config.as_deref())
                .and_then(|c| cli::drill::run(&c, action, json, args.readonly)),
            Some(Command::Replay {
                file,
                speed,
                exit_at_end,
            }) => Config::load(args.config.as_deref())
                .and_then(|c| cli::replay::run(&c, &file, speed, !exit_at_end, &args.screen)),
            Some(Command::Demo { json, action }) => {
                let passed = cli::demo::Passed {
                    config: args.config.as_deref(),
                    readonly: args.readonly,
                    overwrite: args.screen.overwrite,
                };
                cli::demo::run(action, json, &passed)
            }
            None => config_with_plan(args.config.as_deref(), args.plan.as_deref())
                .and_then(|c| cli::tui::run(c, args.readonly, &args.screen)),
        };
    match code {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("driftdock: {err:#}");
            std::process::exit(1);
        }
    }
}
