//! DriftDock: a terminal control room for a local DevOps lab.

mod cli;

#[allow(unused_imports)]
use driftdock as _;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "driftdock",
    version,
    about = "A terminal control room for a local DevOps lab"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Build, start, stop and list the lab's compose project.
    Lab {
        #[command(subcommand)]
        action: cli::lab::LabAction,
    },
}

fn main() {
    let args = Args::parse();
    let code = match args.command {
        Some(Command::Lab { action }) => cli::lab::run(action),
        None => {
            eprintln!("driftdock: the control room is not built yet; try `driftdock lab up`");
            Ok(2)
        }
    };
    match code {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("driftdock: {err:#}");
            std::process::exit(1);
        }
    }
}
