//! Commands become tasks: each runs its effect, reports progress as `Msg::Effect`, and, for a
//! change of the split, sends the gateway's read-back at once so the screen (and a running
//! plan) need not wait for the gateway probe. The control room and the headless runners use
//! this one executor.

use super::chaos::Chaos;
use super::ledger::{self, Ledger};
use super::{canary, chaos_tasks, load, report};
use crate::app::msg::EffectOutcome;
use crate::app::{plan, Command, Msg, Reading, Sample};
use crate::config::Config;
use crate::probes;
use crate::record::audit::AuditLog;
use bollard::Docker;
use chrono::Utc;
use serde_json::Value;
use tokio::sync::mpsc::{unbounded_channel, Sender, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;

/// One change of the split, queued for the canary task.
struct Change {
    name: &'static str,
    from: Option<u8>,
    to: u8,
    what: &'static str,
    detail: Value,
}

/// What effects need to reach the lab.
pub struct Effects {
    docker: Docker,
    http: reqwest::Client,
    config: Config,
    audit: AuditLog,
    tx: Sender<Msg>,
    logs: Option<JoinHandle<()>>,
    /// Changes of the split run one at a time, in the order they were asked for: an abort
    /// asked while a step is being applied must land after it, not race it.
    canary: Option<(UnboundedSender<Change>, JoinHandle<()>)>,
    chaos: Chaos,
}

impl Effects {
    pub fn new(
        docker: Docker,
        http: reqwest::Client,
        config: Config,
        audit: AuditLog,
        tx: Sender<Msg>,
    ) -> Self {
        let chaos = Chaos {
            docker: docker.clone(),
            project: config.lab.project.clone(),
            network: config.chaos.network.clone(),
            ledger: Ledger::new(ledger::default_path()),
            audit: audit.clone(),
            via: "tui".into(),
        };
        Effects {
            chaos,
            docker,
            http,
            config,
            audit,
            tx,
            logs: None,
            canary: None,
        }
    }

    pub fn run(&mut self, cmd: Command) {
        match cmd {
            Command::FollowLogs(id) => {
                if let Some(h) = self.logs.take() {
                    h.abort();
                }
                if let Some(id) = id {
                    self.logs = Some(probes::logs::follow(
                        self.docker.clone(),
                        self.config.lab.project.clone(),
                        id,
                        self.tx.clone(),
                    ));
                }
            }
            Command::SetCanary { from, to } => {
                self.change_canary("canary", from, to, "canary.set", Value::Null)
            }
            Command::ChangeCanary {
                from,
                to,
                what,
                detail,
            } => {
                // A plan's own changes report under their own name, so their failures reach it.
                let name = if what.starts_with("canary.plan") {
                    plan::EFFECT
                } else {
                    "canary"
                };
                self.change_canary(name, from, to, what, detail)
            }
            Command::Audit {
                what,
                before,
                after,
            } => {
                if let Err(e) = self.audit.append(what, before, after, &Ok(String::new())) {
                    let (tx, path) = (self.tx.clone(), self.audit.path().display().to_string());
                    tokio::spawn(async move {
                        let text = format!("the audit log {path} could not be written: {e}");
                        report(&tx, "audit", EffectOutcome::Failed(text)).await;
                    });
                }
            }
            Command::Load { rate } => {
                let (docker, tx, audit) =
                    (self.docker.clone(), self.tx.clone(), self.audit.clone());
                let project = self.config.lab.project.clone();
                tokio::spawn(async move {
                    report(&tx, "load", EffectOutcome::Started).await;
                    let outcome = match load::set(&docker, &project, &audit, rate).await {
                        Ok(text) => EffectOutcome::Done(text),
                        Err(e) => EffectOutcome::Failed(e),
                    };
                    report(&tx, "load", outcome).await;
                });
            }
            Command::ChaosApply(spec) => {
                chaos_tasks::apply(self.chaos.clone(), spec, self.tx.clone())
            }
            Command::ChaosUndo(id) => chaos_tasks::undo(self.chaos.clone(), id, self.tx.clone()),
            Command::ChaosStopAll => chaos_tasks::stop_all(self.chaos.clone(), self.tx.clone()),
            Command::ChaosRecover => chaos_tasks::recover(self.chaos.clone(), self.tx.clone()),
            Command::Drill(effect) => super::drill::run(
                effect,
                self.http.clone(),
                &self.config,
                self.audit.clone(),
                self.tx.clone(),
            ),
            Command::Backup(cmd) => {
                let backups = super::backup::Backups::new(&self.config, self.docker.clone(), "tui");
                super::backup_tasks::run(backups, cmd, self.tx.clone())
            }
        }
    }

    /// Undoes the faults this process applied and still owns: leaving the control room ends
    /// its faults, as Ctrl-C does for a headless one.
    pub async fn undo_own_faults(&self) -> String {
        let me = Some(std::process::id());
        match self
            .chaos
            .undo_where("control room closed", |e| e.owner_pid == me)
            .await
        {
            Ok(results) => super::chaos::summary("recovered", &results),
            Err(e) => e,
        }
    }

    fn change_canary(
        &mut self,
        name: &'static str,
        from: Option<u8>,
        to: u8,
        what: &'static str,
        detail: Value,
    ) {
        let change = Change {
            name,
            from,
            to,
            what,
            detail,
        };
        let queue = self.canary.get_or_insert_with(|| {
            let (queue, rx) = unbounded_channel();
            let task = tokio::spawn(canary_task(
                rx,
                self.docker.clone(),
                self.http.clone(),
                self.config.lab.project.clone(),
                self.config.endpoints.gateway.expose().to_string(),
                self.audit.clone(),
                self.tx.clone(),
            ));
            (queue, task)
        });
        // The task lives as long as Effects; a send can only fail once it is dropped.
        let _ = queue.0.send(change);
    }
}

async fn canary_task(
    mut rx: UnboundedReceiver<Change>,
    docker: Docker,
    http: reqwest::Client,
    project: String,
    gateway: String,
    audit: AuditLog,
    tx: Sender<Msg>,
) {
    let target = canary::CanaryTarget {
        docker: &docker,
        http: &http,
        project: &project,
        gateway_url: &gateway,
        audit: &audit,
    };
    while let Some(c) = rx.recv().await {
        report(&tx, c.name, EffectOutcome::Started).await;
        let outcome = match canary::set_as(&target, c.to, c.what, c.detail).await {
            Ok(p) => EffectOutcome::Done(match c.from {
                Some(f) => format!("canary {f}% → {p}%"),
                None => format!("canary set to {p}%"),
            }),
            Err(e) => EffectOutcome::Failed(e),
        };
        report(&tx, c.name, outcome).await;
        // The gateway probe would see it within its interval; read it now.
        if let Ok(p) = canary::read_applied(&http, &gateway).await {
            let _ = tx
                .send(Msg::Sample(Sample::ok(
                    Utc::now(),
                    Reading::Canary { percent: p },
                )))
                .await;
        }
    }
}

impl Drop for Effects {
    fn drop(&mut self) {
        if let Some(h) = self.logs.take() {
            h.abort();
        }
        // Without its sender the canary task works off what is queued, then ends.
        self.canary.take();
    }
}
