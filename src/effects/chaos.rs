//! Faults on lab containers and their undo. A service is resolved to its container through the
//! lab's one filter (`probes::docker::list`), and the container's labels are inspected again
//! right before anything is done to it, so nothing outside the compose project is ever touched.
//! Each fault is in the recovery ledger before it is applied and leaves it once undone; every
//! fault and every recovery is audited.

use super::exec::exec;
use super::ledger::{Entry, Ledger};
use crate::app::fault::{FaultKind, FaultSpec};
use crate::probes::docker::{self, describe, inspected_is_lab};
use crate::record::audit::AuditLog;
use bollard::errors::Error as DockerError;
use bollard::models::NetworkDisconnectRequest;
use bollard::query_parameters::StopContainerOptions;
use bollard::query_parameters::{KillContainerOptions, RestartContainerOptions};
use bollard::Docker;
use chrono::Utc;
use serde_json::json;
use std::time::{Duration, Instant};

pub(super) const EXEC_TIMEOUT: Duration = Duration::from_secs(10);
/// Seconds `stop` gives the process before Docker kills it.
const STOP_GRACE: i32 = 10;

/// What a fault needs to reach the lab.
#[derive(Clone)]
pub struct Chaos {
    pub docker: Docker,
    pub project: String,
    pub network: String,
    pub ledger: Ledger,
    pub audit: AuditLog,
    /// `tui` or `cli`, written on each ledger entry.
    pub via: String,
}

/// A fault in force, and how long applying it took.
#[derive(Clone, Debug)]
pub struct Applied {
    pub entry: Entry,
    pub took: Duration,
}

pub(super) fn status(e: &DockerError) -> Option<u16> {
    match e {
        DockerError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

impl Chaos {
    /// Applies a fault: resolve, check, record, apply. On any failure nothing is left behind:
    /// what was applied is undone and the ledger entry removed.
    pub async fn inflict(
        &self,
        spec: &FaultSpec,
        owner_pid: Option<u32>,
    ) -> Result<Applied, String> {
        let started = Instant::now();
        let result = self.inflict_inner(spec, owner_pid).await;
        let took = started.elapsed();
        let what = format!("chaos.{}", spec.kind.name());
        let (before, after) = match &result {
            Ok(e) => (
                json!({ "service": e.service, "container": e.container_name }),
                json!({ "fault": e, "took_ms": took.as_millis() as u64 }),
            ),
            Err(_) => (
                json!({ "service": spec.service }),
                json!({ "fault": spec.kind, "seconds": spec.duration.as_secs() }),
            ),
        };
        let audit_result = result.as_ref().map(|e| e.id.clone()).map_err(Clone::clone);
        self.audit_line(&what, before, after, &audit_result)?;
        result.map(|entry| Applied { entry, took })
    }

    pub(super) fn audit_line(
        &self,
        what: &str,
        before: serde_json::Value,
        after: serde_json::Value,
        result: &Result<String, String>,
    ) -> Result<(), String> {
        self.audit.append(what, before, after, result).map_err(|e| {
            format!(
                "the audit log {} could not be written: {e}",
                self.audit.path().display()
            )
        })
    }

    async fn inflict_inner(
        &self,
        spec: &FaultSpec,
        owner_pid: Option<u32>,
    ) -> Result<Entry, String> {
        let list = docker::list(&self.docker, &self.project).await?;
        let Some(target) = list.iter().find(|c| c.service == spec.service) else {
            let mut names: Vec<&str> = list.iter().map(|c| c.service.as_str()).collect();
            names.dedup();
            return Err(format!(
                "no service `{}` in the lab (project {}); services: {}",
                spec.service,
                self.project,
                names.join(", ")
            ));
        };
        // The blast radius, checked again on what Docker says right now.
        let inspected = self
            .docker
            .inspect_container(&target.id, None)
            .await
            .map_err(|e| describe(&e))?;
        if !inspected_is_lab(&inspected, &self.project) {
            return Err(format!(
                "`{}` is not a container of the lab's project {}; refused",
                target.name, self.project
            ));
        }
        // One fault per container: said first, since the first fault may be why it is down.
        let entries = self
            .ledger
            .entries()
            .map_err(|e| format!("the recovery ledger {}: {e}", self.ledger.path().display()))?;
        if let Some(other) = entries.iter().find(|e| e.container_id == target.id) {
            return Err(super::ledger::already_active(other));
        }
        let state = docker::info_from_inspect(&inspected).state;
        if state != "running" {
            return Err(format!(
                "{} is {state}, not running: nothing to break",
                spec.service
            ));
        }
        if spec.kind.needs_netem() {
            self.check_netem(&inspected, &target.id, &spec.service)
                .await?;
        }
        if let FaultKind::Stress { .. } = spec.kind {
            let out = exec(
                &self.docker,
                &target.id,
                &["stress-ng", "--version"],
                EXEC_TIMEOUT,
            )
            .await?;
            if out.code != 0 {
                return Err(format!(
                    "{} has no stress-ng; nothing applied",
                    spec.service
                ));
            }
        }
        let now = Utc::now();
        let entry = Entry {
            id: format!(
                "{}-{}-{}",
                spec.kind.name(),
                spec.service,
                now.timestamp_millis()
            ),
            service: spec.service.clone(),
            container_id: target.id.clone(),
            container_name: target.name.clone(),
            fault: spec.kind.clone(),
            undo: spec.kind.undo(),
            applied_at: now,
            deadline: now
                + chrono::Duration::from_std(spec.duration)
                    .map_err(|_| "the duration is too long".to_string())?,
            owner_pid,
            via: self.via.clone(),
            ip: lab_ip(&inspected, &self.network),
        };
        self.ledger.add(entry.clone())?;
        if let Err(e) = self.apply(&entry, spec.duration).await {
            // Whatever half-happened is put back, and the ledger forgets the fault.
            let _ = self.perform_undo(&entry).await;
            let _ = self.ledger.remove(&entry.id);
            return Err(e);
        }
        Ok(entry)
    }

    async fn check_netem(
        &self,
        inspected: &bollard::models::ContainerInspectResponse,
        id: &str,
        service: &str,
    ) -> Result<(), String> {
        let host = inspected.host_config.as_ref();
        let privileged = host.and_then(|h| h.privileged).unwrap_or(false);
        let net_admin = host.and_then(|h| h.cap_add.as_ref()).is_some_and(|caps| {
            caps.iter().any(|c| {
                c.trim_start_matches("CAP_")
                    .eq_ignore_ascii_case("NET_ADMIN")
            })
        });
        if !privileged && !net_admin {
            return Err(format!(
                "{service} has no NET_ADMIN capability, so tc netem cannot run in it; nothing applied"
            ));
        }
        let out = exec(
            &self.docker,
            id,
            &["tc", "qdisc", "show", "dev", "eth0"],
            EXEC_TIMEOUT,
        )
        .await?;
        if out.code != 0 {
            return Err(format!(
                "{service} cannot run tc (iproute2): {}; nothing applied",
                out.output.lines().last().unwrap_or("no output")
            ));
        }
        if out.output.contains("netem") {
            return Err(format!(
                "{service} already has a netem qdisc on eth0: {}",
                out.output
            ));
        }
        Ok(())
    }

    async fn apply(&self, entry: &Entry, duration: Duration) -> Result<(), String> {
        let id = entry.container_id.as_str();
        let d = &self.docker;
        match &entry.fault {
            FaultKind::Kill { signal } => d
                .kill_container(
                    id,
                    Some(KillContainerOptions {
                        signal: signal.clone(),
                    }),
                )
                .await
                .map_err(|e| describe(&e)),
            FaultKind::Pause => d.pause_container(id).await.map_err(|e| describe(&e)),
            FaultKind::Stop => d
                .stop_container(
                    id,
                    Some(StopContainerOptions {
                        t: Some(STOP_GRACE),
                        signal: None,
                    }),
                )
                .await
                .map_err(|e| describe(&e)),
            FaultKind::Restart => d
                .restart_container(
                    id,
                    Some(RestartContainerOptions {
                        t: Some(STOP_GRACE),
                        signal: None,
                    }),
                )
                .await
                .map_err(|e| describe(&e)),
            FaultKind::Partition => d
                .disconnect_network(
                    &self.network,
                    NetworkDisconnectRequest {
                        container: id.to_string(),
                        force: Some(true),
                    },
                )
                .await
                .map_err(|e| describe(&e)),
            kind @ FaultKind::Latency { .. } => {
                let cmd = kind.netem_command().unwrap_or_default();
                let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
                let out = exec(d, id, &args, EXEC_TIMEOUT).await?;
                if out.code == 0 {
                    Ok(())
                } else if out.output.contains("qdisc kind is unknown") {
                    // tc is there and may run, but the host's kernel was built without netem.
                    Err(format!(
                        "the Docker host's kernel has no netem qdisc (CONFIG_NET_SCH_NETEM), so \
                         no latency can be added to {}; nothing applied",
                        entry.service
                    ))
                } else {
                    Err(format!(
                        "tc netem failed (exit {}): {}",
                        out.code, out.output
                    ))
                }
            }
            kind @ FaultKind::Stress { .. } => {
                let cmd = kind.stress_command(duration).unwrap_or_default();
                super::exec::spawn_detached(d, id, &cmd).await
            }
        }
    }
}

/// The container's address on the lab network.
pub(super) fn lab_ip(
    inspected: &bollard::models::ContainerInspectResponse,
    network: &str,
) -> Option<String> {
    inspected
        .network_settings
        .as_ref()?
        .networks
        .as_ref()?
        .get(network)?
        .ip_address
        .clone()
        .filter(|ip| !ip.is_empty())
}

pub use super::chaos_undo::summary;
