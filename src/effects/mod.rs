//! Async side effects: each takes a Command, does the work, reports back as `Msg::Effect`, and
//! appends to the audit log.

pub mod backup;
mod backup_tasks;
pub mod canary;
pub mod chaos;
pub mod chaos_tasks;
mod chaos_undo;
pub mod drill;
pub mod durable;
pub mod exec;
pub mod ledger;
pub mod load;
pub mod runner;

use crate::app::msg::{EffectOutcome, Msg};
use chrono::Utc;
use tokio::sync::mpsc::Sender;

/// Sends an effect's progress; a closed channel means the loop is gone and nobody listens.
pub async fn report(tx: &Sender<Msg>, name: &str, outcome: EffectOutcome) {
    let _ = tx
        .send(Msg::Effect {
            name: name.to_string(),
            at: Utc::now(),
            outcome,
        })
        .await;
}
