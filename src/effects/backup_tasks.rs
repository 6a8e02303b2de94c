//! The backup commands as tasks for the control room: progress and the outcome come back as
//! `Msg::Backup` (the State's running operation makes quitting ask first).

use super::backup::Backups;
use crate::app::backup::Progress;
use crate::app::backups::{BackupCommand, BackupEvent};
use crate::app::Msg;
use tokio::sync::mpsc::Sender;

pub fn run(backups: Result<Backups, String>, cmd: BackupCommand, tx: Sender<Msg>) {
    tokio::spawn(async move {
        let mut b = match backups {
            Ok(b) => b,
            Err(e) => {
                let ev = BackupEvent::Finished {
                    op: cmd.describe(),
                    result: Err(e),
                };
                let _ = tx.send(Msg::Backup(ev)).await;
                return;
            }
        };
        if cmd == BackupCommand::List {
            let listed = match b.list() {
                Ok((backups, problems)) => BackupEvent::Listed {
                    dir: b.store.dir().display().to_string(),
                    backups,
                    problems,
                },
                Err(e) => BackupEvent::Listed {
                    dir: b.store.dir().display().to_string(),
                    backups: Vec::new(),
                    problems: vec![e],
                },
            };
            let _ = tx.send(Msg::Backup(listed)).await;
            return;
        }
        let warn_tx = tx.clone();
        b.warn = std::sync::Arc::new(move |text| {
            let _ = warn_tx.try_send(Msg::Effect {
                name: "backup".into(),
                at: chrono::Utc::now(),
                outcome: crate::app::msg::EffectOutcome::Failed(text),
            });
        });
        let progress_tx = tx.clone();
        // Progress may be dropped when the channel is full; the next report replaces it.
        let on = move |p: Progress| {
            let _ = progress_tx.try_send(Msg::Backup(BackupEvent::Progress(p)));
        };
        let result = match &cmd {
            BackupCommand::List => unreachable!("answered above"),
            BackupCommand::Create(kind) => b.create(*kind, "manual", &on).await.map(|m| {
                format!(
                    "{} kept ({:.1} MB, {} rows)",
                    m.id,
                    m.size as f64 / 1e6,
                    m.total_rows()
                )
            }),
            BackupCommand::Verify(id) => b.verify(id, &on).await.map(|m| {
                m.verified
                    .map(|v| format!("{id} verified: {}", v.detail))
                    .unwrap_or_default()
            }),
            BackupCommand::Restore(id) => b.restore(id, &on).await.map(|r| {
                format!(
                    "restored {} ({} rows) in {:.1}s; safety backup {}",
                    r.id,
                    r.tables.iter().map(|t| t.rows).sum::<i64>(),
                    r.took.as_secs_f64(),
                    r.safety
                )
            }),
            BackupCommand::RestoreTo(t) => b.restore_to(*t, &on).await.map(|r| {
                format!(
                    "back at {} ({} rows) in {:.1}s; safety backup {}",
                    t.format("%H:%M:%S%.3f"),
                    r.tables.iter().map(|t| t.rows).sum::<i64>(),
                    r.took.as_secs_f64(),
                    r.safety
                )
            }),
        };
        let ev = BackupEvent::Finished {
            op: cmd.describe(),
            result,
        };
        let _ = tx.send(Msg::Backup(ev)).await;
    });
}
