//! `driftdock demo run|check FILE.tape`: demo tapes played against the real control room and
//! recorded. Exit codes: 0 every expectation met, 1 one was not (or the control room failed),
//! 2 a bad tape or a run that could not start.

use super::write_stdout;
use anyhow::Result;
use driftdock::demo::run::{self, Failure, Options, Outcome};
use driftdock::demo::tape::{self, Action, Tape};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(clap::Subcommand)]
pub enum DemoAction {
    /// Play a tape against the control room and record it (`--record`) to its Output.
    Run {
        /// The tape, e.g. assets/demos/tour.tape.
        tape: PathBuf,
        /// The recording, in place of the tape's Output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Where the tape's relative Output and Screenshot paths go (default: here).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// How long the control room has to leave at the end before it is ended.
        #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = humantime::parse_duration)]
        quit_timeout: Duration,
    },
    /// Check tapes without running them.
    Check {
        #[arg(required = true)]
        tapes: Vec<PathBuf>,
    },
}

/// The global flags a run passes on to the control room.
pub struct Passed<'a> {
    pub config: Option<&'a Path>,
    pub readonly: bool,
    pub overwrite: bool,
}

pub fn run(action: DemoAction, json: bool, passed: &Passed) -> Result<i32> {
    match action {
        DemoAction::Check { tapes } => Ok(check(&tapes, json)),
        DemoAction::Run {
            tape,
            output,
            dir,
            quit_timeout,
        } => play(&tape, output, dir, quit_timeout, json, passed),
    }
}

/// Reads and parses a tape; its errors as `file:line: expected …` lines.
fn load(path: &Path) -> std::result::Result<Tape, Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![format!("{}: cannot read: {e}", path.display())])?;
    tape::parse(&text).map_err(|errs| {
        errs.iter()
            .map(|e| format!("{}:{}: expected {}", path.display(), e.line, e.message))
            .collect()
    })
}

/// The least time a tape takes: its sleeps and its typing.
fn least_time(t: &Tape) -> Duration {
    t.steps
        .iter()
        .chain(&t.cleanup)
        .map(|s| match &s.action {
            Action::Sleep(d) => *d,
            Action::Type(text) => t.typing_speed * text.chars().count() as u32,
            Action::Key { count, .. } => t.typing_speed * *count,
            _ => Duration::ZERO,
        })
        .sum()
}

fn check(paths: &[PathBuf], json: bool) -> i32 {
    let mut code = 0;
    for path in paths {
        let (line, value) = match load(path) {
            Ok(t) => (
                format!(
                    "{}: ok: {} steps{}, {}×{}{}, at least {:.1}s",
                    path.display(),
                    t.steps.len(),
                    match t.cleanup.len() {
                        0 => String::new(),
                        n => format!(" + {n} cleanup"),
                    },
                    t.width,
                    t.height,
                    if t.args.is_empty() {
                        String::new()
                    } else {
                        format!(", Args {}", t.args.join(" "))
                    },
                    least_time(&t).as_secs_f64()
                ),
                json!({"tape": path, "ok": true, "steps": t.steps.len(),
                    "cleanup": t.cleanup.len(), "args": t.args}),
            ),
            Err(errs) => {
                code = 2;
                (
                    errs.join("\n"),
                    json!({"tape": path, "ok": false, "errors": errs}),
                )
            }
        };
        let text = if json { value.to_string() } else { line };
        let _ = write_stdout(&format!("{text}\n"));
    }
    code
}

fn play(
    path: &Path,
    output: Option<PathBuf>,
    dir: Option<PathBuf>,
    quit_timeout: Duration,
    json: bool,
    passed: &Passed,
) -> Result<i32> {
    let mut tape = match load(path) {
        Ok(t) => t,
        Err(errs) => {
            eprintln!("{}", errs.join("\n"));
            return Ok(2);
        }
    };
    // What was given to `driftdock demo` holds for the control room it runs.
    if passed.readonly && !tape.args.iter().any(|a| a == "--readonly") {
        tape.args.push("--readonly".into());
    }
    if let (Some(c), false) = (passed.config, tape.args.iter().any(|a| a == "--config")) {
        tape.args
            .extend(["--config".into(), c.display().to_string()]);
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    let output = output.unwrap_or_else(|| {
        dir.join(tape.output.clone().unwrap_or_else(|| {
            PathBuf::from(path.file_stem().unwrap_or_default()).with_extension("cast")
        }))
    });
    let opts = Options {
        program: std::env::current_exe()?,
        output,
        dir,
        overwrite: passed.overwrite,
        quit_timeout,
    };
    let name = path.display().to_string();
    let mut progress = |step: &tape::Step, took: Duration| {
        if !json {
            eprintln!(
                "{name}:{} {} ({:.1}s)",
                step.line,
                step.action,
                took.as_secs_f64()
            );
        }
    };
    let outcome = match run::run(&tape, &opts, &mut progress) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("driftdock: {name}: {e:#}");
            return Ok(2);
        }
    };
    report(&name, &opts.output, &outcome, json);
    Ok(if outcome.passed() { 0 } else { 1 })
}

fn events(cast: &Path) -> usize {
    std::fs::read_to_string(cast)
        .map(|t| t.lines().count().saturating_sub(1))
        .unwrap_or(0)
}

fn report(name: &str, cast: &Path, o: &Outcome, json: bool) {
    let secs = (o.elapsed.as_secs_f64() * 10.0).round() / 10.0;
    if json {
        let failure = o
            .failure
            .as_ref()
            .map(|f| json!({"line": f.line, "expected": f.expected, "screen": f.screen}));
        let v = json!({
            "tape": name, "passed": o.passed(), "seconds": secs, "cast": cast,
            "events": events(cast), "exit_code": o.exit_code, "failure": failure,
        });
        let _ = write_stdout(&format!("{v}\n"));
        return;
    }
    if let Some(Failure {
        line,
        expected,
        screen,
    }) = &o.failure
    {
        let at = if *line == 0 {
            name.to_string()
        } else {
            format!("{name}:{line}")
        };
        eprintln!("{at}: expected {expected}; the screen:");
        for row in screen.trim_end().lines() {
            eprintln!("│ {row}");
        }
    }
    let verdict = if o.passed() { "passed" } else { "FAILED" };
    let _ = write_stdout(&format!(
        "{name}: {verdict} in {secs}s; recorded {} ({} events)\n",
        cast.display(),
        events(cast)
    ));
}
