//! Chaos in the State: the faults in force with their deadlines, the keys and `:chaos` lines
//! that ask for new ones, the clock that undoes each at its deadline, and the emergency stop.
//! `update` calls in here; nothing here does I/O.

use super::fault::{self, ChaosLine, FaultKind, FaultSpec};
use super::msg::{FaultEvent, FaultView};
use super::state::{State, Toast, ToastLevel};
use super::update::Command;
use chrono::{DateTime, Duration, Utc};

/// An undo that has not come back within this long is asked for again.
pub const RETRY_SECS: i64 = 10;

/// The latency and stress the keys apply (the `:chaos` line and the CLI take any).
pub const KEY_LATENCY: FaultKind = FaultKind::Latency {
    delay_ms: 300,
    jitter_ms: 50,
    loss_percent: 0.0,
};
pub const KEY_STRESS: FaultKind = FaultKind::Stress {
    cpu: 2,
    mem_mb: 256,
};

#[derive(Clone, Debug, PartialEq)]
pub struct ActiveFault {
    pub view: FaultView,
    /// When its undo was asked for; None until the deadline.
    pub undoing_since: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChaosState {
    pub faults: Vec<ActiveFault>,
    /// How long a key's fault lasts.
    pub duration: std::time::Duration,
}

impl Default for ChaosState {
    fn default() -> Self {
        ChaosState {
            faults: Vec::new(),
            duration: std::time::Duration::from_secs(15),
        }
    }
}

impl ChaosState {
    /// The fault in force on this container, if any.
    pub fn on(&self, container_id: &str) -> Option<&ActiveFault> {
        self.faults
            .iter()
            .find(|f| f.view.container_id == container_id)
    }
}

/// What a chaos key asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChaosIntent {
    Kill,
    Pause,
    Stop,
    Restart,
    Partition,
    Latency,
    Stress,
    /// Kill a random critical service.
    Random,
    /// Undo every fault now.
    StopAll,
}

fn toast(state: &mut State, level: ToastLevel, text: impl Into<String>) {
    state.toasts.push(Toast {
        at: state.now,
        level,
        text: text.into(),
    });
}

/// Asks for a fault, unless one is already in force on that service.
fn request(state: &mut State, spec: FaultSpec, cmds: &mut Vec<Command>) {
    if let Some(f) = state
        .chaos
        .faults
        .iter()
        .find(|f| f.view.service == spec.service)
    {
        let text = format!(
            "chaos: {} already has a fault in force ({}); X undoes all",
            spec.service, f.view.what
        );
        toast(state, ToastLevel::Error, text);
        return;
    }
    cmds.push(Command::ChaosApply(spec));
}

/// A pick among the critical services that changes from one second to the next: update has
/// no randomness of its own, and the clock is random enough for this.
fn random_service(now: DateTime<Utc>) -> &'static str {
    fault::pick_critical(now.timestamp_subsec_nanos() as u64 ^ now.timestamp() as u64)
}

/// Under `--readonly` every fault is refused, with a toast saying so.
fn refused_readonly(state: &mut State) -> bool {
    if state.readonly {
        toast(
            state,
            ToastLevel::Error,
            "read-only: no fault can be applied",
        );
    }
    state.readonly
}

pub fn intent(state: &mut State, intent: ChaosIntent, cmds: &mut Vec<Command>) {
    if refused_readonly(state) {
        return;
    }
    let duration = state.chaos.duration;
    let kind = match intent {
        ChaosIntent::StopAll => return stop_all(state, cmds),
        ChaosIntent::Random => {
            let service = random_service(state.now).to_string();
            let spec = FaultSpec {
                service,
                kind: FaultKind::Kill {
                    signal: "SIGKILL".into(),
                },
                duration,
            };
            return request(state, spec, cmds);
        }
        ChaosIntent::Kill => FaultKind::Kill {
            signal: "SIGKILL".into(),
        },
        ChaosIntent::Pause => FaultKind::Pause,
        ChaosIntent::Stop => FaultKind::Stop,
        ChaosIntent::Restart => FaultKind::Restart,
        ChaosIntent::Partition => FaultKind::Partition,
        ChaosIntent::Latency => KEY_LATENCY,
        ChaosIntent::Stress => KEY_STRESS,
    };
    let Some(row) = state.selected_container() else {
        toast(state, ToastLevel::Error, "chaos: select a container first");
        return;
    };
    let spec = FaultSpec {
        service: row.info.service.clone(),
        kind,
        duration,
    };
    request(state, spec, cmds);
}

/// The emergency stop: every fault undone now, whoever applied it.
fn stop_all(state: &mut State, cmds: &mut Vec<Command>) {
    let now = state.now;
    for f in &mut state.chaos.faults {
        f.undoing_since = Some(now);
    }
    cmds.push(Command::ChaosStopAll);
}

/// `:chaos kill worker 15s`, `:chaos random`, `:chaos stop-all`.
pub fn line(state: &mut State, words: &[&str], cmds: &mut Vec<Command>) {
    if refused_readonly(state) {
        return;
    }
    match fault::parse_line(words, state.chaos.duration) {
        Ok(ChaosLine::Fault(spec)) => request(state, spec, cmds),
        Ok(ChaosLine::Random(duration)) => {
            let spec = FaultSpec {
                service: random_service(state.now).to_string(),
                kind: FaultKind::Kill {
                    signal: "SIGKILL".into(),
                },
                duration,
            };
            request(state, spec, cmds);
        }
        Ok(ChaosLine::StopAll) => stop_all(state, cmds),
        Err(e) => toast(state, ToastLevel::Error, format!("chaos: {e}")),
    }
}

/// The clock moved on: each fault past its deadline is undone (asked again if its undo has
/// not come back within `RETRY_SECS`).
pub fn on_tick(state: &mut State, cmds: &mut Vec<Command>) {
    let now = state.now;
    for f in &mut state.chaos.faults {
        let due = f.view.deadline <= now;
        let stuck = f
            .undoing_since
            .is_some_and(|at| now - at >= Duration::seconds(RETRY_SECS));
        if due && (f.undoing_since.is_none() || stuck) {
            f.undoing_since = Some(now);
            cmds.push(Command::ChaosUndo(f.view.id.clone()));
        }
    }
}

pub fn on_event(state: &mut State, ev: FaultEvent) {
    match ev {
        FaultEvent::Active(view) => {
            state.chaos.faults.retain(|f| f.view.id != view.id);
            state.chaos.faults.push(ActiveFault {
                view,
                undoing_since: None,
            });
        }
        FaultEvent::Cleared { id } => state.chaos.faults.retain(|f| f.view.id != id),
        // It stays listed; the tick asks again after RETRY_SECS.
        FaultEvent::UndoFailed { .. } => {}
    }
}

/// What the containers panel shows for a fault: `PAUSE 12s`, `UNDOING`.
pub fn badge(f: &ActiveFault, now: DateTime<Utc>) -> String {
    if f.undoing_since.is_some() {
        return "UNDOING".into();
    }
    let left = (f.view.deadline - now).num_seconds().max(0);
    let name = match f.view.what.split_whitespace().next().unwrap_or("") {
        "partition" => "NETCUT",
        "latency" => "DELAY",
        other => other,
    };
    format!("{} {left}s", name.to_uppercase())
}
