//! Playing a tape: the real control room in a pseudo-terminal of the tape's size, fed the
//! tape's keys, its output read into a terminal emulator whose screen the tape's `Wait` and
//! `Expect` look at. The recording is the one the control room writes itself (`--record`).

use super::screen::{backup_running, feed};
use super::tape::{expand, Action, Step, Tape};
use anyhow::{bail, Context, Result};
use pty_process::blocking::{Command, Pty};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub struct Options {
    /// The driftdock binary to run.
    pub program: PathBuf,
    /// The recording driftdock writes.
    pub output: PathBuf,
    /// Where a relative Screenshot path goes.
    pub dir: PathBuf,
    /// Replace an existing recording.
    pub overwrite: bool,
    /// How long the control room has to leave once asked (it undoes its faults first).
    pub quit_timeout: Duration,
}

/// Where and why a tape failed.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The tape's line; 0 for the start and the end of the run.
    pub line: usize,
    pub expected: String,
    pub screen: String,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub failure: Option<Failure>,
    pub elapsed: Duration,
    /// driftdock's exit code; None when it was killed.
    pub exit_code: Option<i32>,
    /// The screen before the control room was asked to leave.
    pub last_screen: String,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// What the quit question says when effects are running.
const CONFIRM_QUIT: &str = "quit anyway? y/n";
const START_TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(40);

/// The control room in a pseudo-terminal, and the screen its output draws.
struct Session {
    pty: Arc<Pty>,
    parser: Arc<Mutex<vt100::Parser>>,
    child: Child,
    reader: Option<JoinHandle<()>>,
    status: Option<ExitStatus>,
}

impl Session {
    fn start(tape: &Tape, opts: &Options) -> Result<Session> {
        let (pty, pts) = pty_process::blocking::open().context("cannot open a pseudo-terminal")?;
        pty.resize(pty_process::Size::new(tape.height, tape.width))?;
        let mut cmd = Command::new(&opts.program)
            .arg("--record")
            .arg(&opts.output)
            .args(&tape.args)
            .env("TERM", "xterm-256color");
        if opts.overwrite {
            cmd = cmd.arg("--overwrite");
        }
        for (k, v) in &tape.env {
            cmd = cmd.env(k, v);
        }
        let child = cmd
            .spawn(pts)
            .with_context(|| format!("cannot start {}", opts.program.display()))?;
        let pty = Arc::new(pty);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            nz(tape.height),
            nz(tape.width),
            0,
        )));
        let reader = {
            let (pty, parser) = (pty.clone(), parser.clone());
            thread::spawn(move || {
                let mut buf = [0u8; 16 * 1024];
                let mut tail = Vec::new();
                loop {
                    match (&*pty).read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => feed(&pty, &parser, &mut tail, &buf[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        // EIO once the control room's side is closed.
                        Err(_) => break,
                    }
                }
            })
        };
        Ok(Session {
            pty,
            parser,
            child,
            reader: Some(reader),
            status: None,
        })
    }

    fn send(&self, bytes: &[u8]) -> Result<()> {
        (&*self.pty)
            .write_all(bytes)
            .and_then(|_| (&*self.pty).flush())
            .context("cannot write to the control room's terminal")
    }

    /// The screen's text: one line per row, without trailing blanks.
    fn screen(&self) -> String {
        let p = lock(&self.parser);
        let (_, cols) = p.screen().size();
        let rows: Vec<String> = p
            .screen()
            .rows(0, cols.get())
            .map(|r| r.trim_end().to_string())
            .collect();
        rows.join("\n")
    }

    fn started(&self) -> bool {
        let p = lock(&self.parser);
        p.screen().alternate_screen() && !p.screen().contents().trim().is_empty()
    }

    fn exited(&mut self) -> bool {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status.is_some()
    }

    /// Asks the control room to leave (answering its question if effects run), waits, and
    /// ends it if it does not: SIGTERM, then SIGKILL. A backup operation on screen (a restore
    /// above all) is given the same time to end first: leaving would cut it short.
    fn finish(&mut self, timeout: Duration) -> Option<i32> {
        if !self.exited() {
            let _ = self.send(b"\x1b");
            thread::sleep(Duration::from_millis(100));
            let start = Instant::now();
            while !self.exited() && start.elapsed() < timeout && backup_running(&self.screen()) {
                thread::sleep(Duration::from_millis(250));
            }
            let _ = self.send(b"q");
            let start = Instant::now();
            let mut answered = false;
            while !self.exited() && start.elapsed() < timeout {
                if !answered && self.screen().contains(CONFIRM_QUIT) {
                    let _ = self.send(b"y");
                    answered = true;
                }
                thread::sleep(POLL);
            }
        }
        if !self.exited() {
            let pid = rustix::process::Pid::from_child(&self.child);
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            let start = Instant::now();
            while !self.exited() && start.elapsed() < Duration::from_secs(5) {
                thread::sleep(POLL);
            }
        }
        if !self.exited() {
            let _ = self.child.kill();
            self.status = self.child.wait().ok();
        }
        // The rest of the output, unless something the control room started still holds the
        // terminal open: then the reader is left to end with it.
        if let Some(reader) = self.reader.take() {
            let start = Instant::now();
            while !reader.is_finished() && start.elapsed() < Duration::from_secs(2) {
                thread::sleep(POLL);
            }
            if reader.is_finished() {
                let _ = reader.join();
            }
        }
        self.status.and_then(|s| s.code())
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n.max(1)).expect("above 0")
}

/// Plays `tape`; `progress` hears of each step once it is done, with its time.
pub fn run(
    tape: &Tape,
    opts: &Options,
    progress: &mut dyn FnMut(&Step, Duration),
) -> Result<Outcome> {
    if opts.output.exists() && !opts.overwrite {
        bail!(
            "{} exists; pass --overwrite to replace it",
            opts.output.display()
        );
    }
    if let Some(parent) = opts.output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let begun = Instant::now();
    let mut s = Session::start(tape, opts)?;
    let mut failure = None;
    // Keys sent before the control room has the terminal would be echoed and lost.
    while !s.started() {
        if s.exited() || begun.elapsed() > START_TIMEOUT {
            thread::sleep(Duration::from_millis(200));
            failure = Some(Failure {
                line: 0,
                expected: "the control room to start".into(),
                screen: s.screen(),
            });
            break;
        }
        thread::sleep(POLL);
    }
    let mut groups: Vec<String> = Vec::new();
    if failure.is_none() {
        for step in &tape.steps {
            let t = Instant::now();
            if let Err(f) = play(&mut s, tape, step, opts, &mut groups) {
                failure = Some(f);
                break;
            }
            progress(step, t.elapsed());
        }
    }
    // Cleanup is played whatever happened above, as long as the control room is there; its
    // first failure is reported unless an earlier one was.
    if !s.exited() {
        for step in &tape.cleanup {
            let t = Instant::now();
            match play(&mut s, tape, step, opts, &mut groups) {
                Ok(()) => progress(step, t.elapsed()),
                Err(f) => {
                    failure.get_or_insert(f);
                }
            }
        }
    }
    let last_screen = s.screen();
    let exit_code = s.finish(opts.quit_timeout);
    if failure.is_none() && exit_code != Some(0) {
        failure = Some(Failure {
            line: 0,
            expected: format!(
                "driftdock to leave with 0, not {}",
                exit_code.map_or("a kill".to_string(), |c| c.to_string())
            ),
            screen: s.screen(),
        });
    }
    Ok(Outcome {
        failure,
        elapsed: begun.elapsed(),
        exit_code,
        last_screen,
    })
}

fn play(
    s: &mut Session,
    tape: &Tape,
    step: &Step,
    opts: &Options,
    groups: &mut Vec<String>,
) -> std::result::Result<(), Failure> {
    play_action(s, tape, &step.action, opts, groups).map_err(|expected| Failure {
        line: step.line,
        expected,
        screen: s.screen(),
    })
}

fn play_action(
    s: &mut Session,
    tape: &Tape,
    action: &Action,
    opts: &Options,
    groups: &mut Vec<String>,
) -> std::result::Result<(), String> {
    let io = |e: anyhow::Error| format!("{e:#}");
    match action {
        Action::If { pattern, then } => {
            if pattern.regex.is_match(&s.screen()) {
                play_action(s, tape, then, opts, groups)?;
            }
        }
        Action::Type(text) => {
            for c in expand(text, groups).chars() {
                s.send(c.to_string().as_bytes()).map_err(io)?;
                thread::sleep(tape.typing_speed);
            }
        }
        Action::Key { key, count } => {
            for _ in 0..*count {
                s.send(&key.bytes()).map_err(io)?;
                // A lone Esc read together with the next key would be Alt+key.
                let gap = if key.bytes() == b"\x1b" {
                    tape.typing_speed.max(Duration::from_millis(60))
                } else {
                    tape.typing_speed
                };
                thread::sleep(gap);
            }
        }
        Action::Sleep(d) => thread::sleep(*d),
        Action::Wait { pattern, timeout } => {
            let start = Instant::now();
            loop {
                let screen = s.screen();
                if let Some(c) = pattern.regex.captures(&screen) {
                    *groups = captured(&c);
                    break;
                }
                if s.exited() {
                    return Err(format!("{pattern} (driftdock left first)"));
                }
                if start.elapsed() >= *timeout {
                    let secs = timeout.as_secs_f64();
                    return Err(format!("{pattern} within {secs}s"));
                }
                thread::sleep(POLL);
            }
        }
        Action::Expect(pattern) => match pattern.regex.captures(&s.screen()) {
            Some(c) => *groups = captured(&c),
            None => return Err(pattern.to_string()),
        },
        Action::Screenshot(path) => {
            let path = opts.dir.join(path);
            write_screen(&path, &s.screen()).map_err(io)?;
        }
    }
    Ok(())
}

fn captured(c: &regex::Captures) -> Vec<String> {
    c.iter()
        .skip(1)
        .map(|m| m.map_or(String::new(), |m| m.as_str().to_string()))
        .collect()
}

fn write_screen(path: &Path, screen: &str) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, format!("{screen}\n"))
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_backup_gauge_is_told_from_a_selected_row() {
        assert!(super::backup_running(
            "┃▶ restore to 07:22:37 · replaying the WAL   ┃"
        ));
        assert!(super::backup_running("┃▶ base backup · starting"));
        assert!(!super::backup_running("┃▶ api-v1     running     healthy"));
        assert!(!super::backup_running(
            "┃✓ 20261206-072235-base kept (4.7 MB"
        ));
    }
}
