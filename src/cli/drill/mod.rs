//! `driftdock drill check FILE…` validates drill files without running them; `driftdock drill
//! run FILE --report OUT.md` runs one headless against the lab and writes its report and JSON
//! journal. Exit codes: 0 the hypothesis held, 1 it did not (or the drill was aborted), 2 bad
//! input.

use anyhow::Result;
use clap::Subcommand;
use driftdock::app::drill::DrillSpec;
use driftdock::config::Config;
use driftdock::effects::drill::load;
use std::path::PathBuf;

mod run;

#[derive(Subcommand, Clone, Debug)]
pub enum DrillAction {
    /// Check drill files without running them: each error names file:line:column and what
    /// was expected. Exits 2 when any file is bad.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run a drill against the lab with no screen: baseline, method, recovery, rollbacks.
    /// Ctrl-C aborts it (the rollbacks still run). Exits 0 when the hypothesis held, 1 when
    /// it did not, 2 on a bad file.
    Run {
        file: PathBuf,
        /// Where the Markdown report goes; the JSON journal goes beside it (`.json`).
        #[arg(long, value_name = "OUT.md")]
        report: Option<PathBuf>,
    },
}

/// A drill file, or the exit code 2 with the error printed.
fn read(path: &std::path::Path) -> Result<DrillSpec, i32> {
    load(&path.display().to_string()).map_err(|e| {
        eprintln!("{e}");
        2
    })
}

pub fn run(config: &Config, action: DrillAction, json: bool, readonly: bool) -> Result<i32> {
    match action {
        DrillAction::Check { files } => {
            let mut code = 0;
            for f in files {
                match read(&f) {
                    Ok(spec) if json => println!(
                        "{}",
                        serde_json::json!({ "file": f, "ok": true, "title": spec.title })
                    ),
                    Ok(spec) => println!(
                        "{}: ok — {} ({} checks, {} steps, {} objectives, {} rollbacks)",
                        f.display(),
                        spec.title,
                        spec.hypothesis.len(),
                        spec.method.len(),
                        spec.objectives.len(),
                        spec.rollbacks.len()
                    ),
                    Err(c) => code = c,
                }
            }
            Ok(code)
        }
        DrillAction::Run { file, report } => {
            if readonly {
                eprintln!("driftdock: read-only: drills change the lab");
                return Ok(2);
            }
            let spec = match read(&file) {
                Ok(s) => s,
                Err(c) => return Ok(c),
            };
            run::run(config, spec, report, json)
        }
    }
}
