//! The loop: terminal input, probes, effects and a clock feed one channel; `update` runs on
//! each message, commands become tasks, and the screen is drawn at most ~30 times a second and
//! only when something changed.

use crate::app::plan::{self, PlanSpec};
use crate::app::start::Start;
use crate::app::state::Thresholds;
use crate::app::{update, Msg, State};
use crate::config::{Config, PlanFile};
use crate::effects::runner::Effects;
use crate::probes;
use crate::record::audit::{self, AuditLog};
use crate::record::cast::SharedCast;
use crate::record::journal::JournalWriter;
use crate::record::redact::Redactor;
use crate::terminal::TerminalGuard;
use crate::ui;
use anyhow::Result;
use chrono::Utc;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use std::path::PathBuf;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc::{self, Sender};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(33);
/// Messages handled before a frame is drawn, so a burst cannot starve the screen.
const BATCH: usize = 256;

#[derive(Default)]
pub struct Options {
    pub readonly: bool,
    pub theme: ui::Theme,
    /// Where what is drawn is recorded, if anywhere.
    pub cast: Option<SharedCast>,
    /// Start with the keystroke overlay on.
    pub show_keys: bool,
    /// Start in the presenter theme.
    pub presenter: bool,
    /// Where every message is journaled for `driftdock replay`, if anywhere.
    pub journal: Option<PathBuf>,
    /// Replace an existing journal file.
    pub overwrite: bool,
    /// A drill file to load at start (read by the same effect as `:drill FILE`).
    pub drill: Option<String>,
}

/// A plan as the state machine runs it.
pub fn plan_spec(file: &PlanFile) -> PlanSpec {
    let g = &file.guard;
    PlanSpec {
        name: file.name.clone(),
        steps: file
            .steps
            .iter()
            .map(|s| plan::Step {
                weight: s.weight,
                hold: chrono::Duration::from_std(s.hold).unwrap_or(chrono::Duration::zero()),
            })
            .collect(),
        guard: plan::Guard {
            max_error_ratio: g.max_error_ratio,
            max_p95_ms: g.max_p95_ms,
            max_error_ratio_over_v1: g.max_error_ratio_over_v1,
            consecutive: g.consecutive,
            min_v2_rps: g.min_v2_rps,
            window_secs: g.window.as_secs(),
        },
    }
}

/// What a State for this config starts from, now.
pub fn start_of(config: &Config, readonly: bool) -> Start {
    let t = &config.thresholds;
    Start {
        at: Utc::now(),
        lab_name: config.lab.name.clone(),
        project: config.lab.project.clone(),
        readonly,
        intervals_ms: config
            .source_intervals()
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(1000)),
        canary_step: config.canary.step,
        plan: Some(plan_spec(&config.canary.default_plan())),
        load_rate: config.load.rate,
        chaos_duration: config.chaos.duration,
        thresholds: Thresholds {
            error_ratio: t.error_ratio,
            p95_ms: t.p95_ms,
            queue_depth: t.queue_depth,
        },
        show_keys: false,
        presenter: false,
        utc_offset_secs: chrono::Local::now().offset().local_minus_utc(),
    }
}

/// A State for this config with nothing measured yet.
pub fn initial_state(config: &Config, readonly: bool) -> State {
    start_of(config, readonly).state()
}

fn spawn_input(tx: Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            let msg = match ev {
                // Release and repeat events (kitty protocol) would double every key.
                Ok(Event::Key(key)) if key.kind == KeyEventKind::Press => Msg::Key(key),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(_) => continue,
                Err(_) => break,
            };
            if tx.send(msg).await.is_err() {
                break;
            }
        }
    })
}

/// One Tick at each wall-clock second, so the clock and the ages move together.
pub fn spawn_clock(tx: Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = Utc::now();
            let to_next = 1000 - now.timestamp_subsec_millis().min(999) as u64;
            tokio::time::sleep(Duration::from_millis(to_next)).await;
            if tx.send(Msg::Tick(Utc::now())).await.is_err() {
                break;
            }
        }
    })
}

/// Tells the stats probe which containers are on screen, when that changes.
fn scope_stats(probes: &probes::Probes, state: &State, last: &mut Vec<String>) {
    let (w, h) = state.size;
    let mut ids = ui::containers_on_screen(state, ratatui::layout::Rect::new(0, 0, w, h));
    ids.retain(|id| {
        state
            .containers
            .iter()
            .any(|r| &r.info.id == id && r.info.state == "running")
    });
    if ids != *last {
        probes.show_stats_for(Some(ids.iter().cloned().collect()));
        *last = ids;
    }
}

pub async fn run(config: Config, opts: Options) -> Result<()> {
    let docker = probes::docker::connect(&config).map_err(anyhow::Error::msg)?;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .build()?;
    let (tx, mut rx) = mpsc::channel::<Msg>(4096);
    let mut start = start_of(&config, opts.readonly);
    start.show_keys = opts.show_keys;
    start.presenter = opts.presenter;
    let mut journal = match &opts.journal {
        Some(path) => Some(JournalWriter::create(
            path,
            &start,
            opts.overwrite,
            Redactor::for_config(&config),
        )?),
        None => None,
    };
    let mut state = start.state();
    let theme = opts.theme.clone();

    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    let mut guard = TerminalGuard::enter(opts.cast.clone())?;
    let size = guard.terminal.size()?;
    let mut recorded_size = (size.width, size.height);

    let probes = probes::spawn_all(&config, docker.clone(), tx.clone());
    let input = spawn_input(tx.clone());
    let clock = spawn_clock(tx.clone());
    let mut effects = Effects::new(
        docker,
        http,
        config,
        AuditLog::new(audit::default_path(), "tui"),
        tx.clone(),
    );
    drop(tx);
    effects.run(crate::app::Command::Backup(
        crate::app::backups::BackupCommand::List,
    ));
    if !opts.readonly {
        // Overdue faults first: a control room that died left them for this one.
        effects.run(crate::app::Command::ChaosRecover);
    }
    // The first size is a message like any later one, so a replay starts at it too.
    let first = Msg::Resize(size.width, size.height);
    if let Some(j) = journal.as_mut() {
        j.write(&first);
    }
    for cmd in update(&mut state, first) {
        effects.run(cmd);
    }
    if let Some(path) = opts.drill.clone() {
        effects.run(crate::app::Command::Drill(
            crate::app::drill::DrillEffect::Load(path),
        ));
    }

    let mut dirty = true;
    let mut on_screen = Vec::new();
    let mut last_draw = Instant::now() - FRAME;
    loop {
        if dirty && last_draw.elapsed() >= FRAME {
            if let Some(cast) = opts.cast.as_ref().filter(|_| recorded_size != state.size) {
                let (w, h) = state.size;
                cast.lock().unwrap_or_else(|p| p.into_inner()).resize(w, h);
                recorded_size = state.size;
            }
            guard
                .terminal
                .draw(|frame| ui::view_with(&state, frame, &theme))?;
            if let Some(j) = journal.as_mut() {
                j.flush();
            }
            last_draw = Instant::now();
            dirty = false;
        }
        let next_frame = last_draw + FRAME;
        tokio::select! {
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                let mut handled = 0;
                let mut next = Some(msg);
                while let Some(msg) = next.take() {
                    if let Some(j) = journal.as_mut() {
                        j.write(&msg);
                    }
                    for cmd in update(&mut state, msg) {
                        effects.run(cmd);
                    }
                    handled += 1;
                    if handled < BATCH {
                        next = rx.try_recv().ok();
                    }
                }
                dirty = true;
                scope_stats(&probes, &state, &mut on_screen);
            }
            _ = tokio::time::sleep_until(next_frame), if dirty => {}
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
            _ = sigint.recv() => break,
        }
        if state.quit {
            break;
        }
    }
    // A drill still running is aborted as the control room goes: its rollbacks always run.
    if state.drill.as_ref().is_some_and(|r| r.is_active()) {
        let abort = Msg::Drill(crate::app::drill::DrillMsg::Interrupted);
        for cmd in update(&mut state, abort) {
            effects.run(cmd);
        }
        state.show_drill = true;
        guard
            .terminal
            .draw(|frame| ui::view_with(&state, frame, &theme))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while state.drill.as_ref().is_some_and(|r| r.is_active()) {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(msg)) => {
                    for cmd in update(&mut state, msg) {
                        effects.run(cmd);
                    }
                }
                _ => break,
            }
        }
    }
    input.abort();
    clock.abort();
    // The faults this control room applied end with it, as a headless one's end on Ctrl-C.
    let undone = tokio::time::timeout(Duration::from_secs(30), effects.undo_own_faults()).await;
    drop(effects);
    drop(guard);
    match undone {
        Ok(text) if text != "recovered nothing" => eprintln!("driftdock: {text}"),
        Ok(_) => {}
        Err(_) => eprintln!(
            "driftdock: faults still in force after 30 s; `driftdock chaos recover` undoes them"
        ),
    }
    if let Some(Err(e)) = journal.as_mut().map(JournalWriter::finish) {
        anyhow::bail!(e);
    }
    Ok(())
}
