//! Replay: a journal's messages fed to the same `update` and drawn with the same view, at the
//! pace they came (or faster), with no Docker, probes or effects — the commands `update`
//! answers with are counted and dropped. The journal's own ticks set State's clock, so the
//! screens match the run's, clock and all.

use crate::app::{update, Msg, State};
use crate::record::cast::SharedCast;
use crate::record::journal::Journal;
use crate::terminal::TerminalGuard;
use crate::ui;
use anyhow::Result;
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::time::Instant;

/// The shortest time between two frames, as in the control room.
const FRAME: Duration = Duration::from_millis(33);

pub struct Options {
    /// 2.0 plays twice as fast.
    pub speed: f64,
    pub theme: ui::Theme,
    pub cast: Option<SharedCast>,
    /// Keep the last screen until a key is pressed.
    pub hold: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub replayed: usize,
    pub total: usize,
    /// Commands `update` asked for, not executed.
    pub not_executed: usize,
    /// Left before the end.
    pub interrupted: bool,
}

/// Where a replay stands; stepping it is pure, so tests can run a journal without a terminal.
pub struct Player {
    pub state: State,
    journal: Journal,
    next: usize,
    /// The State the screen should show: the run never drew the one its quitting key made.
    shown: Option<State>,
    pub summary: Summary,
}

impl Player {
    pub fn new(journal: Journal) -> Self {
        let state = journal.start.state();
        let total = journal.entries.len();
        Player {
            state,
            journal,
            next: 0,
            shown: None,
            summary: Summary {
                total,
                ..Summary::default()
            },
        }
    }

    /// Seconds into the run of the next message, if any is left.
    pub fn next_at(&self) -> Option<f64> {
        if self.done() {
            return None;
        }
        self.journal.entries.get(self.next).map(|e| e.t)
    }

    pub fn done(&self) -> bool {
        self.shown.is_some() || self.next >= self.journal.entries.len()
    }

    /// Feeds every message up to `t` seconds into the run; true when any was fed.
    pub fn advance_to(&mut self, t: f64) -> bool {
        let mut fed = false;
        while let Some(entry) = self.journal.entries.get(self.next).filter(|e| e.t <= t) {
            if self.shown.is_some() {
                break;
            }
            let msg = entry.msg.clone();
            self.next += 1;
            // A key may end the run; the screen then keeps what was drawn before it.
            let before = matches!(msg, Msg::Key(_)).then(|| self.state.clone());
            self.summary.not_executed += update(&mut self.state, msg).len();
            self.summary.replayed += 1;
            fed = true;
            if self.state.quit {
                self.shown = before;
            }
        }
        fed
    }

    /// Feeds the whole journal.
    pub fn finish(&mut self) {
        self.advance_to(f64::INFINITY);
    }

    /// The State to draw.
    pub fn screen(&self) -> &State {
        self.shown.as_ref().unwrap_or(&self.state)
    }
}

enum Input {
    Leave,
    Pause,
    Resized(u16, u16),
    Other,
}

fn input(ev: Option<std::io::Result<Event>>) -> Input {
    match ev {
        Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => match k.code {
            KeyCode::Char('q') | KeyCode::Esc | KeyCode::Enter => Input::Leave,
            KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => Input::Leave,
            KeyCode::Char(' ') => Input::Pause,
            _ => Input::Other,
        },
        Some(Ok(Event::Resize(w, h))) => Input::Resized(w, h),
        Some(Ok(_)) => Input::Other,
        Some(Err(_)) | None => Input::Leave,
    }
}

pub async fn run(journal: Journal, opts: Options) -> Result<Summary> {
    let speed = opts.speed;
    let mut player = Player::new(journal);
    let mut guard = TerminalGuard::enter(opts.cast.clone())?;
    let mut events = EventStream::new();
    let size = guard.terminal.size()?;
    let mut recorded_size = (size.width, size.height);
    let mut begin = Instant::now();
    let mut paused: Option<Instant> = None;
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    loop {
        if paused.is_none() {
            let t = begin.elapsed().as_secs_f64() * speed;
            dirty |= player.advance_to(t);
        }
        let ended = player.done();
        // The last screen is drawn at once, whatever the frame pace.
        if dirty && (ended || last_draw.elapsed() >= FRAME) {
            guard
                .terminal
                .draw(|frame| ui::view_with(player.screen(), frame, &opts.theme))?;
            last_draw = Instant::now();
            dirty = false;
        }
        if ended && !opts.hold {
            break;
        }
        let next = match (paused, player.next_at()) {
            (None, Some(t)) => begin + Duration::from_secs_f64((t / speed).max(0.0)),
            _ => Instant::now() + Duration::from_secs(3600),
        };
        let wake = if dirty {
            next.min(last_draw + FRAME)
        } else {
            next
        };
        tokio::select! {
            ev = events.next() => match input(ev) {
                Input::Leave => {
                    player.summary.interrupted = !ended;
                    break;
                }
                Input::Pause => match paused.take() {
                    Some(at) => begin += at.elapsed(),
                    None => paused = Some(Instant::now()),
                },
                Input::Resized(w, h) => {
                    if let Some(cast) = opts.cast.as_ref().filter(|_| recorded_size != (w, h)) {
                        cast.lock().unwrap_or_else(|p| p.into_inner()).resize(w, h);
                        recorded_size = (w, h);
                    }
                    dirty = true;
                }
                Input::Other => {}
            },
            _ = tokio::time::sleep_until(wake) => {}
        }
    }
    drop(guard);
    Ok(player.summary)
}
