//! Undoing faults: whatever state the container is in now, put it back as the ledger entry
//! says, remove the entry, audit it; and reload the gateway when an api came back at a new
//! address, since nginx resolves its upstreams only when it loads its config.

use super::chaos::{lab_ip, status, Chaos, EXEC_TIMEOUT};
use super::exec::exec;
use super::ledger::Entry;
use crate::app::fault::Undo;
use crate::probes::docker::{self, describe, inspected_is_lab};
use bollard::models::{EndpointSettings, NetworkConnectRequest};
use bollard::query_parameters::StartContainerOptions;
use serde_json::json;
use std::time::{Duration, Instant};

impl Chaos {
    /// Undoes what the entry says, whatever state the container is in now; Ok when the
    /// container is back as it should be (or gone, so nothing is left to undo).
    pub(super) async fn perform_undo(&self, entry: &Entry) -> Result<(), String> {
        let id = entry.container_id.as_str();
        let d = &self.docker;
        let inspected = match d.inspect_container(id, None).await {
            Ok(i) => i,
            Err(e) if status(&e) == Some(404) => return Ok(()),
            Err(e) => return Err(describe(&e)),
        };
        if !inspected_is_lab(&inspected, &self.project) {
            return Err(format!(
                "{} is no longer a container of the lab's project; left alone",
                entry.container_name
            ));
        }
        let state = docker::info_from_inspect(&inspected).state;
        match entry.undo {
            Undo::Start => {
                if state == "paused" {
                    d.unpause_container(id).await.map_err(|e| describe(&e))?;
                } else if state != "running" && state != "restarting" {
                    match d.start_container(id, None::<StartContainerOptions>).await {
                        // 304: already started (by its restart policy, or by someone).
                        Err(e) if status(&e) != Some(304) => return Err(describe(&e)),
                        _ => {}
                    }
                }
                Ok(())
            }
            Undo::Unpause => {
                if state == "paused" {
                    d.unpause_container(id).await.map_err(|e| describe(&e))?;
                }
                Ok(())
            }
            Undo::Reconnect => {
                let connected = inspected
                    .network_settings
                    .as_ref()
                    .and_then(|n| n.networks.as_ref())
                    .is_some_and(|n| n.contains_key(&self.network));
                if connected {
                    return Ok(());
                }
                d.connect_network(
                    &self.network,
                    NetworkConnectRequest {
                        container: id.to_string(),
                        endpoint_config: Some(EndpointSettings {
                            aliases: Some(vec![entry.service.clone()]),
                            ..Default::default()
                        }),
                    },
                )
                .await
                .map_err(|e| describe(&e))
            }
            Undo::NetemDel => {
                if state != "running" {
                    // A stopped container's network namespace, qdisc and all, is gone.
                    return Ok(());
                }
                let out =
                    exec(d, id, &["tc", "qdisc", "show", "dev", "eth0"], EXEC_TIMEOUT).await?;
                if !out.output.contains("netem") {
                    return Ok(());
                }
                let del = exec(
                    d,
                    id,
                    &["tc", "qdisc", "del", "dev", "eth0", "root"],
                    EXEC_TIMEOUT,
                )
                .await?;
                if del.code == 0 {
                    Ok(())
                } else {
                    Err(format!("tc qdisc del failed: {}", del.output))
                }
            }
            Undo::StressKill => {
                if state != "running" {
                    return Ok(());
                }
                // pkill exits 1 when nothing matched: the stress already ended by itself.
                let out = exec(d, id, &["pkill", "-KILL", "stress-ng"], EXEC_TIMEOUT).await?;
                if out.code <= 1 {
                    Ok(())
                } else {
                    Err(format!("pkill stress-ng failed: {}", out.output))
                }
            }
        }
    }

    /// Undoes one fault, removes it from the ledger and audits it. Returns the time it took.
    pub async fn undo(&self, entry: &Entry, why: &str) -> Result<Duration, String> {
        let started = Instant::now();
        let mut result = self.perform_undo(entry).await;
        let took = started.elapsed();
        let mut gateway = None;
        if result.is_ok() && matches!(entry.undo, Undo::Start | Undo::Reconnect) {
            gateway = self.refresh_gateway(entry).await;
            if let Some(Err(e)) = &gateway {
                result = Err(format!(
                    "back, but the gateway still routes to its old address: {e}"
                ));
            }
        }
        if result.is_ok() {
            self.ledger.remove(&entry.id).map_err(|e| {
                format!(
                    "undone, but the ledger {}: {e}",
                    self.ledger.path().display()
                )
            })?;
        }
        let audit_result = result.clone().map(|_| entry.id.clone());
        self.audit_line(
            "chaos.recover",
            json!({ "fault": entry }),
            json!({
                "undo": entry.undo,
                "why": why,
                "took_ms": took.as_millis() as u64,
                "gateway_reloaded": gateway.as_ref().map(|g| g.is_ok()),
            }),
            &audit_result,
        )?;
        result.map(|_| took)
    }

    /// Reloads the gateway when the container came back at another address than it had, so
    /// nginx resolves its upstreams again. None when no reload was needed.
    async fn refresh_gateway(&self, entry: &Entry) -> Option<Result<(), String>> {
        if entry.service == "gateway" {
            return None;
        }
        // The address comes with the start or the connect; wait for it briefly.
        let mut now_ip = None;
        for _ in 0..20 {
            if let Ok(i) = self
                .docker
                .inspect_container(&entry.container_id, None)
                .await
            {
                now_ip = lab_ip(&i, &self.network);
            }
            if now_ip.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if now_ip.is_none() || now_ip == entry.ip {
            return None;
        }
        let list = docker::list(&self.docker, &self.project).await.ok()?;
        let gw = list
            .iter()
            .find(|c| c.service == "gateway" && c.state == "running")?;
        let out = exec(
            &self.docker,
            &gw.id,
            &["nginx", "-s", "reload"],
            EXEC_TIMEOUT,
        )
        .await;
        Some(match out {
            Ok(o) if o.code == 0 => Ok(()),
            Ok(o) => Err(format!("nginx -s reload: {}", o.output)),
            Err(e) => Err(e),
        })
    }

    /// Undoes every ledger entry `pick` selects; what each came to.
    pub async fn undo_where(
        &self,
        why: &str,
        pick: impl Fn(&Entry) -> bool,
    ) -> Result<Vec<(Entry, Result<Duration, String>)>, String> {
        let entries = self
            .ledger
            .entries()
            .map_err(|e| format!("the recovery ledger {}: {e}", self.ledger.path().display()))?;
        let mut out = Vec::new();
        for e in entries.into_iter().filter(|e| pick(e)) {
            let r = self.undo(&e, why).await;
            out.push((e, r));
        }
        Ok(out)
    }
}

/// What a recovery came to, in one line: `recovered pause worker, kill redis` or, on failure,
/// with the error of each fault still in force.
pub fn summary(verb: &str, results: &[(Entry, Result<Duration, String>)]) -> String {
    let ok: Vec<String> = results
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(e, _)| e.label())
        .collect();
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(e, r)| r.as_ref().err().map(|err| format!("{}: {err}", e.label())))
        .collect();
    let mut text = if ok.is_empty() {
        format!("{verb} nothing")
    } else {
        format!("{verb} {}", ok.join(", "))
    };
    if !failed.is_empty() {
        text.push_str(&format!("; NOT undone: {}", failed.join("; ")));
    }
    text
}
