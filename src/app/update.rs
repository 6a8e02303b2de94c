//! `update(&mut State, Msg) -> Vec<Command>`: every change of State happens here, with no I/O.

use super::backup::Kind;
use super::backups::{self, BackupCommand};
use super::canary;
use super::chaos;
use super::drill;
use super::fault::FaultSpec;
use super::ingest::{apply_event, apply_sample};
use super::keymap::{self, Intent};
use super::msg::{CanaryIntent, EffectOutcome, Msg};
use super::show;
use super::state::{Mode, Panel, State, Toast, ToastLevel, LOG_CAP};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// An effect for the runtime to run; its progress comes back as `Msg::Effect`.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Follow the logs of this container (None: stop following).
    FollowLogs(Option<String>),
    /// Set the gateway's canary split, in percent to v2.
    SetCanary { from: Option<u8>, to: u8 },
    /// Set the split for a plan step, a promote or an abort; audited as `what`, with `detail`.
    ChangeCanary {
        from: Option<u8>,
        to: u8,
        what: &'static str,
        detail: serde_json::Value,
    },
    /// One audit line for a change that is not itself an effect (a plan started, paused…).
    Audit {
        what: &'static str,
        before: serde_json::Value,
        after: serde_json::Value,
    },
    /// Start the lab's load generator at `rate` requests per second, or stop it (None).
    Load { rate: Option<u32> },
    /// Apply a fault (written to the recovery ledger first).
    ChaosApply(FaultSpec),
    /// Undo this fault (its ledger id).
    ChaosUndo(String),
    /// The emergency stop: undo every fault in the ledger.
    ChaosStopAll,
    /// At start: undo what the ledger says is overdue, and show what is still in force.
    ChaosRecover,
    /// List, take, verify or restore backups.
    Backup(BackupCommand),
    /// What only drills ask for: v2's fault knob, a statement on the lab database, a file.
    Drill(drill::DrillEffect),
}

pub fn update(state: &mut State, msg: Msg) -> Vec<Command> {
    let mut cmds = Vec::new();
    match msg {
        Msg::Tick(now) => {
            state.now = now;
            let keep = chrono::Duration::seconds(super::state::TOAST_SECS);
            state.toasts.retain(|t| now - t.at < keep);
            canary::on_tick(state, &mut cmds);
            chaos::on_tick(state, &mut cmds);
            backups::on_tick(state, &mut cmds);
            show::on_tick(state);
            drill::on_tick(state, &mut cmds);
        }
        Msg::Resize(w, h) => state.size = (w, h),
        Msg::Sample(sample) => {
            let (feed, at) = (canary::Feed::of(&sample), sample.at);
            apply_sample(state, sample);
            canary::on_feed(state, feed, &mut cmds);
            drill::on_reading(state, at, &mut cmds);
        }
        Msg::ContainerEvent(ev) => {
            let at = ev.at;
            apply_event(state, ev);
            drill::on_reading(state, at, &mut cmds);
        }
        Msg::Logs {
            container_id,
            lines,
        } => {
            if state.logs.container_id.as_deref() == Some(container_id.as_str()) {
                let added = lines.len();
                state.logs.lines.extend(lines);
                let over = state.logs.lines.len().saturating_sub(LOG_CAP);
                state.logs.lines.drain(..over);
                if !state.logs.follow {
                    // Keep the lines the reader is looking at in place.
                    state.logs.scroll += added;
                }
            }
        }
        Msg::Effect { name, at, outcome } => {
            canary::on_effect(state, &name, &outcome, &mut cmds);
            let result = match &outcome {
                EffectOutcome::Started => None,
                EffectOutcome::Done(t) => Some(Ok(t.clone())),
                EffectOutcome::Failed(e) => Some(Err(e.clone())),
            };
            on_effect(state, name.clone(), at, outcome);
            if let Some(r) = result {
                let r = r.as_ref().map(String::as_str).map_err(String::as_str);
                drill::on_effect(state, &name, r, at, &mut cmds);
            }
        }
        Msg::Canary(intent) => canary::intent(state, intent, &mut cmds),
        Msg::Fault(ev) => chaos::on_event(state, ev),
        Msg::Backup(ev) => {
            let finished = match &ev {
                backups::BackupEvent::Finished { result, .. } => Some(result.clone()),
                _ => None,
            };
            backups::on_event(state, ev, &mut cmds);
            if let Some(r) = finished {
                let r = r.as_ref().map(String::as_str).map_err(String::as_str);
                drill::on_effect(state, "backup", r, state.now, &mut cmds);
            }
        }
        Msg::Drill(m) => drill::on_msg(state, m, &mut cmds),
        Msg::Key(key) => {
            show::on_key(state, &key);
            on_key(state, key, &mut cmds);
        }
    }
    clamp_selection(state);
    if let Some(cmd) = sync_logs(state) {
        cmds.push(cmd);
    }
    cmds
}

fn on_effect(state: &mut State, name: String, at: DateTime<Utc>, outcome: EffectOutcome) {
    match outcome {
        EffectOutcome::Started => state.running_effects.push(name),
        EffectOutcome::Done(text) => {
            state.running_effects.retain(|n| n != &name);
            toast(state, at, ToastLevel::Info, text);
        }
        EffectOutcome::Failed(text) => {
            state.running_effects.retain(|n| n != &name);
            toast(
                state,
                at,
                ToastLevel::Error,
                format!("{name} failed: {text}"),
            );
        }
    }
}

fn toast(state: &mut State, at: DateTime<Utc>, level: ToastLevel, text: impl Into<String>) {
    state.toasts.push(Toast {
        at,
        level,
        text: text.into(),
    });
}

fn clamp_selection(state: &mut State) {
    let n = state.visible_containers().len();
    if state.selected >= n {
        state.selected = n.saturating_sub(1);
    }
}

/// Follow the selected container's logs, and only its.
fn sync_logs(state: &mut State) -> Option<Command> {
    let want = state.selected_container().map(|r| r.info.id.clone());
    if want == state.logs.container_id {
        return None;
    }
    state.logs.container_id = want.clone();
    state.logs.lines.clear();
    state.logs.scroll = 0;
    state.logs.follow = true;
    Some(Command::FollowLogs(want))
}

fn on_key(state: &mut State, key: KeyEvent, cmds: &mut Vec<Command>) {
    match std::mem::replace(&mut state.mode, Mode::Normal) {
        Mode::Normal => {}
        Mode::Help => {
            // Any key closes the overlay; `q` also quits from it.
            if key.code == KeyCode::Char('q') {
                request_quit(state);
            }
            return;
        }
        Mode::Confirm(c) => {
            backups::confirm_key(state, c, key, cmds);
            return;
        }
        Mode::ConfirmQuit => {
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                state.quit = true;
            }
            return;
        }
        Mode::Filter(buf) => {
            // The filter applies as it is typed; Esc clears it.
            match edit_line(buf, key) {
                LineEdit::Editing(buf) => {
                    set_filter(state, &buf);
                    state.mode = Mode::Filter(buf);
                }
                LineEdit::Submit(buf) => set_filter(state, &buf),
                LineEdit::Cancel => set_filter(state, ""),
            }
            return;
        }
        Mode::Command(buf) => {
            match edit_line(buf, key) {
                LineEdit::Editing(buf) if key.code == KeyCode::Tab => {
                    state.mode = Mode::Command(keymap::complete(&buf).unwrap_or(buf));
                }
                LineEdit::Editing(buf) => state.mode = Mode::Command(buf),
                LineEdit::Submit(line) => run_command(state, &line, cmds),
                LineEdit::Cancel => {}
            }
            return;
        }
    }

    let Some(bind) = keymap::lookup(&key, state.focus) else {
        return;
    };
    if bind.changes_lab && state.readonly {
        toast(
            state,
            state.now,
            ToastLevel::Error,
            format!("read-only: `{}` ({}) is off", bind.label, bind.help),
        );
        return;
    }
    match bind.intent {
        Intent::Up => move_cursor(state, -1),
        Intent::Down => move_cursor(state, 1),
        Intent::PageUp => move_cursor(state, -10),
        Intent::PageDown => move_cursor(state, 10),
        Intent::Top => move_cursor(state, isize::MIN / 2),
        Intent::Bottom => move_cursor(state, isize::MAX / 2),
        Intent::NextPanel => cycle_focus(state, 1),
        Intent::PrevPanel => cycle_focus(state, -1),
        Intent::FocusPanel(i) => state.focus = Panel::ALL[i.min(Panel::ALL.len() - 1)],
        Intent::Filter => {
            let current = match state.focus {
                Panel::Logs => state.logs.filter.clone(),
                _ => state.container_filter.clone(),
            };
            state.mode = Mode::Filter(current);
        }
        Intent::CommandLine => state.mode = Mode::Command(String::new()),
        Intent::Help => state.mode = Mode::Help,
        Intent::Back => {
            if state.focus == Panel::Logs && !state.logs.filter.is_empty() {
                state.logs.filter.clear();
            } else {
                state.container_filter.clear();
            }
        }
        Intent::Quit => request_quit(state),
        Intent::ToggleFollow => {
            state.logs.follow = !state.logs.follow;
            state.logs.scroll = 0;
        }
        Intent::CanaryStepUp => step_canary(state, state.canary.step as i16, cmds),
        Intent::CanaryStepDown => step_canary(state, -(state.canary.step as i16), cmds),
        Intent::CanarySplit => state.mode = Mode::Command("canary ".into()),
        Intent::CanaryPlan => canary::intent(state, CanaryIntent::RunPlan, cmds),
        Intent::CanaryPause => canary::intent(state, CanaryIntent::TogglePause, cmds),
        Intent::CanaryPromote => canary::intent(state, CanaryIntent::Promote, cmds),
        Intent::CanaryAbort => canary::intent(state, CanaryIntent::Abort, cmds),
        Intent::LoadToggle => canary::toggle_load(state, cmds),
        Intent::Chaos(intent) => chaos::intent(state, intent, cmds),
        Intent::Backup(kind) => backups::ask(state, BackupCommand::Create(kind), cmds),
        Intent::BackupVerify => match state.backups.selected() {
            Some(m) => {
                let id = m.id.clone();
                backups::ask(state, BackupCommand::Verify(id), cmds)
            }
            None => toast(state, state.now, ToastLevel::Error, "no backup selected"),
        },
        Intent::BackupRestore => backups::restore_selected(state),
        Intent::BackupRestoreTo => state.mode = Mode::Command("restore-to ".into()),
        Intent::ToggleKeys => state.show.keys = !state.show.keys,
        Intent::TogglePresenter => state.show.presenter = !state.show.presenter,
        Intent::DrillPanel => drill::on_msg(state, drill::DrillMsg::Toggle, cmds),
        Intent::DrillStart => drill::on_msg(state, drill::DrillMsg::Start, cmds),
        Intent::DrillPause => drill::on_msg(state, drill::DrillMsg::TogglePause, cmds),
        Intent::DrillAbort => drill::on_msg(state, drill::DrillMsg::Abort, cmds),
    }
}

enum LineEdit {
    Editing(String),
    Submit(String),
    Cancel,
}

/// One key on a one-line input.
fn edit_line(mut buf: String, key: KeyEvent) -> LineEdit {
    match key.code {
        KeyCode::Enter => LineEdit::Submit(buf.trim().to_string()),
        KeyCode::Esc => LineEdit::Cancel,
        KeyCode::Backspace => {
            buf.pop();
            LineEdit::Editing(buf)
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            LineEdit::Editing(String::new())
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            buf.push(c);
            LineEdit::Editing(buf)
        }
        _ => LineEdit::Editing(buf),
    }
}

fn set_filter(state: &mut State, text: &str) {
    if state.focus == Panel::Logs {
        state.logs.filter = text.to_string();
    } else {
        state.container_filter = text.to_string();
        state.selected = 0;
    }
}

fn run_command(state: &mut State, line: &str, cmds: &mut Vec<Command>) {
    let mut words = line.split_whitespace();
    let Some(word) = words.next() else { return };
    let rest: Vec<&str> = words.collect();
    let Some((name, _, _)) = keymap::COMMANDS
        .iter()
        .find(|(name, aliases, _)| *name == word || aliases.contains(&word))
    else {
        toast(
            state,
            state.now,
            ToastLevel::Error,
            format!("unknown command `{word}` (Tab completes; `:help` lists keys)"),
        );
        return;
    };
    match *name {
        "containers" => state.focus = Panel::Containers,
        "logs" => state.focus = Panel::Logs,
        "queue" => state.focus = Panel::Queue,
        "events" => state.focus = Panel::Events,
        "traffic" => state.focus = Panel::Traffic,
        "filter" => set_filter(state, &rest.join(" ")),
        "chaos" => chaos::line(state, &rest, cmds),
        "backup" => {
            state.focus = Panel::Backups;
            let kind = match rest.first() {
                Some(&"base") => Kind::Base,
                _ => Kind::Dump,
            };
            backups::ask(state, BackupCommand::Create(kind), cmds);
        }
        "restore-to" => {
            state.focus = Panel::Backups;
            if state.readonly {
                toast(
                    state,
                    state.now,
                    ToastLevel::Error,
                    "read-only: backups are off",
                );
            } else {
                backups::restore_to_line(state, &rest);
            }
        }
        "backups" => state.focus = Panel::Backups,
        "drill" if rest.is_empty() => drill::on_msg(state, drill::DrillMsg::Toggle, cmds),
        "drill" => cmds.push(Command::Drill(drill::DrillEffect::Load(rest.join(" ")))),
        "help" => state.mode = Mode::Help,
        "quit" if word == "q!" => state.quit = true,
        "quit" => request_quit(state),
        "canary" => {
            state.focus = Panel::Canary;
            if let Some(arg) = rest.first() {
                match arg.trim_end_matches('%').parse::<u8>() {
                    Ok(p) if p <= 100 => set_canary(state, p, cmds),
                    _ => toast(
                        state,
                        state.now,
                        ToastLevel::Error,
                        format!("canary: `{arg}` is not a percentage from 0 to 100"),
                    ),
                }
            }
        }
        _ => {}
    }
}

fn request_quit(state: &mut State) {
    if state.running_effects.is_empty() && state.backups.running.is_none() {
        state.quit = true;
    } else {
        state.mode = Mode::ConfirmQuit;
    }
}

fn step_canary(state: &mut State, delta: i16, cmds: &mut Vec<Command>) {
    let Some(current) = state.canary.applied else {
        toast(
            state,
            state.now,
            ToastLevel::Error,
            "canary: the gateway's split is not known yet",
        );
        return;
    };
    let to = (current as i16 + delta).clamp(0, 100) as u8;
    if to != current {
        set_canary(state, to, cmds);
    }
}

fn set_canary(state: &mut State, to: u8, cmds: &mut Vec<Command>) {
    if state.readonly {
        toast(
            state,
            state.now,
            ToastLevel::Error,
            "read-only: the canary cannot be changed",
        );
        return;
    }
    if canary::plan_refuses_manual(state) {
        return;
    }
    cmds.push(Command::SetCanary {
        from: state.canary.applied,
        to,
    });
}

fn cycle_focus(state: &mut State, delta: isize) {
    let n = Panel::ALL.len() as isize;
    let i = Panel::ALL
        .iter()
        .position(|p| *p == state.focus)
        .unwrap_or(0) as isize;
    state.focus = Panel::ALL[((i + delta).rem_euclid(n)) as usize];
}

fn move_cursor(state: &mut State, delta: isize) {
    match state.focus {
        Panel::Backups => backups::move_selection(state, delta),
        Panel::Logs => {
            let len = state.visible_logs().len();
            let up = (-delta).clamp(-(len as isize), len as isize);
            let scroll = (state.logs.scroll as isize + up).clamp(0, len as isize) as usize;
            state.logs.scroll = scroll;
            // Scrolled to the end means following again.
            state.logs.follow = scroll == 0;
        }
        _ => {
            let n = state.visible_containers().len() as isize;
            if n > 0 {
                state.selected = (state.selected as isize + delta).clamp(0, n - 1) as usize;
            }
        }
    }
}
