//! The control room's chaos Commands as tasks: each reports its fault's life as
//! `Msg::Fault` (so the rows and the clock know it) and its outcome as `Msg::Effect` (a toast).

use super::chaos::{summary, Chaos};
use super::ledger::Entry;
use super::report;
use crate::app::fault::FaultSpec;
use crate::app::msg::{EffectOutcome, FaultEvent, FaultView, Msg};
use tokio::sync::mpsc::Sender;

/// Effects report under this name.
pub const EFFECT: &str = "chaos";

pub fn view(e: &Entry) -> FaultView {
    FaultView {
        id: e.id.clone(),
        service: e.service.clone(),
        container_id: e.container_id.clone(),
        what: e.fault.describe(),
        deadline: e.deadline,
    }
}

async fn fault(tx: &Sender<Msg>, ev: FaultEvent) {
    let _ = tx.send(Msg::Fault(ev)).await;
}

pub fn apply(chaos: Chaos, spec: FaultSpec, tx: Sender<Msg>) {
    tokio::spawn(async move {
        report(&tx, EFFECT, EffectOutcome::Started).await;
        let outcome = match chaos.inflict(&spec, Some(std::process::id())).await {
            Ok(a) => {
                fault(&tx, FaultEvent::Active(view(&a.entry))).await;
                EffectOutcome::Done(format!(
                    "chaos: {} for {}s (applied in {} ms)",
                    a.entry.label(),
                    spec.duration.as_secs(),
                    a.took.as_millis()
                ))
            }
            Err(e) => EffectOutcome::Failed(e),
        };
        report(&tx, EFFECT, outcome).await;
    });
}

pub fn undo(chaos: Chaos, id: String, tx: Sender<Msg>) {
    tokio::spawn(async move {
        let entry = match chaos.ledger.entries() {
            Ok(list) => list.into_iter().find(|e| e.id == id),
            Err(e) => {
                let error = format!("the recovery ledger: {e}");
                fault(
                    &tx,
                    FaultEvent::UndoFailed {
                        id,
                        error: error.clone(),
                    },
                )
                .await;
                report(&tx, EFFECT, EffectOutcome::Failed(error)).await;
                return;
            }
        };
        // Gone from the ledger: undone already (the emergency stop, a headless twin).
        let Some(entry) = entry else {
            fault(&tx, FaultEvent::Cleared { id }).await;
            return;
        };
        report(&tx, EFFECT, EffectOutcome::Started).await;
        let outcome = match chaos.undo(&entry, "deadline").await {
            Ok(took) => {
                fault(&tx, FaultEvent::Cleared { id }).await;
                EffectOutcome::Done(format!(
                    "recovered {} in {} ms",
                    entry.label(),
                    took.as_millis()
                ))
            }
            Err(error) => {
                fault(
                    &tx,
                    FaultEvent::UndoFailed {
                        id,
                        error: error.clone(),
                    },
                )
                .await;
                EffectOutcome::Failed(format!("{} NOT undone: {error}", entry.label()))
            }
        };
        report(&tx, EFFECT, outcome).await;
    });
}

/// Undoes what `pick` selects, clears each undone fault, and toasts `verb …` (nothing when
/// `quiet` and there was nothing to undo).
async fn undo_all(
    chaos: &Chaos,
    why: &str,
    verb: &str,
    quiet: bool,
    pick: impl Fn(&Entry) -> bool,
    tx: &Sender<Msg>,
) {
    match chaos.undo_where(why, pick).await {
        Ok(results) => {
            for (e, r) in &results {
                if r.is_ok() {
                    fault(tx, FaultEvent::Cleared { id: e.id.clone() }).await;
                }
            }
            if quiet && results.is_empty() {
                return;
            }
            let text = summary(verb, &results);
            let outcome = if results.iter().all(|(_, r)| r.is_ok()) {
                EffectOutcome::Done(text)
            } else {
                EffectOutcome::Failed(text)
            };
            report(tx, EFFECT, outcome).await;
        }
        Err(e) => report(tx, EFFECT, EffectOutcome::Failed(e)).await,
    }
}

pub fn stop_all(chaos: Chaos, tx: Sender<Msg>) {
    tokio::spawn(async move {
        report(&tx, EFFECT, EffectOutcome::Started).await;
        undo_all(
            &chaos,
            "emergency stop",
            "emergency stop: undid",
            false,
            |_| true,
            &tx,
        )
        .await;
    });
}

/// At start: the overdue and orphaned faults are undone, the rest shown with their countdown
/// and undone here at their deadline.
pub fn recover(chaos: Chaos, tx: Sender<Msg>) {
    tokio::spawn(async move {
        let now = chrono::Utc::now();
        let due = move |e: &Entry| e.overdue(now) || e.orphaned();
        undo_all(
            &chaos,
            "overdue at start",
            "recovered overdue fault(s):",
            true,
            due,
            &tx,
        )
        .await;
        if let Ok(left) = chaos.ledger.entries() {
            for e in left {
                fault(&tx, FaultEvent::Active(view(&e))).await;
            }
        }
    });
}
