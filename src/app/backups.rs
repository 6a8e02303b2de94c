//! Backups in the State: the list the panel shows, the gauge of the running operation, and the
//! keys and `:` lines that ask for one. A restore goes through a confirmation where the
//! backup's id must be typed back. Nothing here does I/O.

use super::backup::{pitr, Kind, Manifest, Progress};
use super::state::{Mode, State, Toast, ToastLevel};
use super::update::Command;
use chrono::{DateTime, FixedOffset, Utc};

/// An operation the panel asks the effects for.
#[derive(Clone, Debug, PartialEq)]
pub enum BackupCommand {
    List,
    Create(Kind),
    Verify(String),
    Restore(String),
    RestoreTo(DateTime<Utc>),
}

impl BackupCommand {
    /// How the operation is named on screen.
    pub fn describe(&self) -> String {
        match self {
            BackupCommand::List => "list".into(),
            BackupCommand::Create(Kind::Dump) => "backup".into(),
            BackupCommand::Create(Kind::Base) => "base backup".into(),
            BackupCommand::Verify(id) => format!("verify {id}"),
            BackupCommand::Restore(id) => format!("restore {id}"),
            BackupCommand::RestoreTo(t) => format!("restore to {}", t.format("%H:%M:%S")),
        }
    }
}

/// What the backup effects report.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupEvent {
    Listed {
        dir: String,
        backups: Vec<Manifest>,
        problems: Vec<String>,
    },
    Progress(Progress),
    Finished {
        op: String,
        result: Result<String, String>,
    },
}

/// A restore waiting for its backup's id to be typed back.
#[derive(Clone, Debug, PartialEq)]
pub struct Confirm {
    pub prompt: String,
    pub expect: String,
    pub typed: String,
    pub then: BackupCommand,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BackupsState {
    pub dir: String,
    /// Newest first.
    pub list: Vec<Manifest>,
    pub problems: Vec<String>,
    pub selected: usize,
    /// The operation in progress and its last progress report.
    pub running: Option<(String, Option<Progress>)>,
    /// How the last operation ended, and when.
    pub last: Option<(DateTime<Utc>, Result<String, String>)>,
    /// The local time zone, for times typed in `:restore-to`.
    pub offset: FixedOffset,
    pub listed: bool,
    /// When the list was last read: it is read again now and then, for backups taken by
    /// `driftdock backup` in another terminal.
    pub listed_at: Option<DateTime<Utc>>,
}

impl Default for BackupsState {
    fn default() -> Self {
        BackupsState {
            dir: String::new(),
            list: Vec::new(),
            problems: Vec::new(),
            selected: 0,
            running: None,
            last: None,
            offset: FixedOffset::east_opt(0).expect("UTC"),
            listed: false,
            listed_at: None,
        }
    }
}

impl BackupsState {
    pub fn selected(&self) -> Option<&Manifest> {
        self.list.get(self.selected)
    }
}

fn toast(state: &mut State, level: ToastLevel, text: impl Into<String>) {
    state.toasts.push(Toast {
        at: state.now,
        level,
        text: text.into(),
    });
}

/// Asks for `cmd`, unless another operation runs or the control room is read-only.
pub fn ask(state: &mut State, cmd: BackupCommand, cmds: &mut Vec<Command>) {
    if state.readonly && cmd != BackupCommand::List {
        toast(state, ToastLevel::Error, "read-only: backups are off");
        return;
    }
    if let Some((op, _)) = &state.backups.running {
        let text = format!("{op} is running; one backup operation at a time");
        toast(state, ToastLevel::Error, text);
        return;
    }
    if cmd != BackupCommand::List {
        state.backups.running = Some((cmd.describe(), None));
    }
    cmds.push(Command::Backup(cmd));
}

/// `r`: restore the selected dump, once its id is typed back.
pub fn restore_selected(state: &mut State) {
    let Some(m) = state.backups.selected().cloned() else {
        toast(state, ToastLevel::Error, "no backup selected");
        return;
    };
    if m.kind == Kind::Base {
        toast(
            state,
            ToastLevel::Error,
            format!("{} is a base backup: `t` restores to a point in time", m.id),
        );
        return;
    }
    state.mode = Mode::Confirm(Confirm {
        prompt: format!(
            "Restore {} ({} rows, {}) over the live database?",
            m.id,
            m.total_rows(),
            m.verification_word()
        ),
        expect: m.id.clone(),
        typed: String::new(),
        then: BackupCommand::Restore(m.id),
    });
}

/// `:restore-to TIME`: picks the base from the list and asks for its id to be typed back.
/// The effect checks the archive again before it touches anything.
pub fn restore_to_line(state: &mut State, args: &[&str]) {
    let text = args.join(" ");
    if text.is_empty() {
        toast(
            state,
            ToastLevel::Error,
            "restore-to: give a time, e.g. `:restore-to 06:30:00` or `:restore-to 90s ago`",
        );
        return;
    }
    let target = match pitr::parse_time(&text, state.now, state.backups.offset) {
        Ok(t) => t,
        Err(e) => return toast(state, ToastLevel::Error, format!("restore-to: {e}")),
    };
    let base = match pitr::choose_base(&state.backups.list, target, state.now) {
        Ok(b) => b.clone(),
        Err(e) => return toast(state, ToastLevel::Error, format!("restore-to: {e}")),
    };
    state.mode = Mode::Confirm(Confirm {
        prompt: format!(
            "Bring Postgres back to {} from base {} and the archived WAL?",
            target
                .with_timezone(&state.backups.offset)
                .format("%H:%M:%S%.3f"),
            base.id
        ),
        expect: base.id,
        typed: String::new(),
        then: BackupCommand::RestoreTo(target),
    });
}

/// A key typed in the confirmation; Enter goes on only when the id matches.
pub fn confirm_key(
    state: &mut State,
    mut c: Confirm,
    key: crossterm::event::KeyEvent,
    cmds: &mut Vec<Command>,
) {
    use crossterm::event::{KeyCode, KeyModifiers};
    match key.code {
        KeyCode::Esc => toast(state, ToastLevel::Info, "restore cancelled"),
        KeyCode::Enter if c.typed.trim() == c.expect => ask(state, c.then, cmds),
        KeyCode::Enter => {
            toast(
                state,
                ToastLevel::Error,
                "the id does not match: nothing restored",
            );
        }
        KeyCode::Backspace => {
            c.typed.pop();
            state.mode = Mode::Confirm(c);
        }
        KeyCode::Char(ch) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            c.typed.push(ch);
            state.mode = Mode::Confirm(c);
        }
        _ => state.mode = Mode::Confirm(c),
    }
}

pub fn on_event(state: &mut State, ev: BackupEvent, cmds: &mut Vec<Command>) {
    match ev {
        BackupEvent::Listed {
            dir,
            mut backups,
            problems,
        } => {
            backups.sort_by_key(|m| std::cmp::Reverse(m.started_at));
            let keep = state.backups.selected().map(|m| m.id.clone());
            state.backups.dir = dir;
            state.backups.list = backups;
            state.backups.problems = problems;
            state.backups.listed = true;
            state.backups.listed_at = Some(state.now);
            state.backups.selected = keep
                .and_then(|id| state.backups.list.iter().position(|m| m.id == id))
                .unwrap_or(0);
        }
        BackupEvent::Progress(p) => {
            if let Some((_, last)) = &mut state.backups.running {
                *last = Some(p);
            }
        }
        BackupEvent::Finished { op, result } => {
            state.backups.running = None;
            match &result {
                Ok(text) => toast(state, ToastLevel::Info, format!("{op}: {text}")),
                Err(e) => toast(state, ToastLevel::Error, format!("{op} failed: {e}")),
            }
            state.backups.last = Some((state.now, result));
            cmds.push(Command::Backup(BackupCommand::List));
        }
    }
}

/// How often the list is read again while idle.
const RELIST_SECS: i64 = 10;

pub fn on_tick(state: &mut State, cmds: &mut Vec<Command>) {
    let due = state
        .backups
        .listed_at
        .is_some_and(|at| (state.now - at).num_seconds() >= RELIST_SECS);
    if due && state.backups.running.is_none() {
        state.backups.listed_at = Some(state.now);
        cmds.push(Command::Backup(BackupCommand::List));
    }
}

pub fn move_selection(state: &mut State, delta: isize) {
    let n = state.backups.list.len() as isize;
    if n > 0 {
        let i = (state.backups.selected as isize + delta).clamp(0, n - 1);
        state.backups.selected = i as usize;
    }
}
