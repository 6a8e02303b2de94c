//! Setting the gateway's canary split: `set-canary N` in the gateway container writes the
//! split file, checks it with `nginx -t` and reloads without dropping requests. The split is
//! then read back from the gateway, so what is reported is what is in force.

use super::exec::exec;
use crate::app::fault::Undo;
use crate::probes::docker;
use crate::record::audit::AuditLog;
use bollard::Docker;
use serde_json::{json, Value};
use std::time::Duration;

const EXEC_TIMEOUT: Duration = Duration::from_secs(15);

/// The running container of one lab service, found through the lab's own filter.
pub async fn lab_service(docker: &Docker, project: &str, service: &str) -> Result<String, String> {
    let list = docker::list(docker, project).await?;
    list.iter()
        .find(|c| c.service == service && c.state == "running")
        .map(|c| c.id.clone())
        .ok_or_else(|| format!("no running `{service}` container in the lab (project {project})"))
}

/// Reads the split the gateway is applying.
pub async fn read_applied(http: &reqwest::Client, gateway: &str) -> Result<u8, String> {
    let url = format!("{}/gateway/canary", gateway.trim_end_matches('/'));
    let body: serde_json::Value = http
        .get(&url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map_err(|e| format!("cannot read the split from the gateway: {e}"))?
        .json()
        .await
        .map_err(|e| format!("the gateway's split is not JSON: {e}"))?;
    body["canary_percent"]
        .as_u64()
        .filter(|p| *p <= 100)
        .map(|p| p as u8)
        .ok_or_else(|| format!("the gateway answered no canary_percent: {body}"))
}

pub struct CanaryTarget<'a> {
    pub docker: &'a Docker,
    pub http: &'a reqwest::Client,
    pub project: &'a str,
    pub gateway_url: &'a str,
    pub audit: &'a AuditLog,
}

/// Sets the split to `to` percent on v2 and returns the split read back from the gateway.
/// The old split stays in force on any failure. Every attempt is audited.
pub async fn set(target: &CanaryTarget<'_>, to: u8) -> Result<u8, String> {
    set_as(target, to, "canary.set", Value::Null).await
}

/// `set`, audited as `what` (`canary.plan.step`, `canary.abort`…) with `detail`'s fields added
/// to the line's `after`.
pub async fn set_as(
    target: &CanaryTarget<'_>,
    to: u8,
    what: &str,
    detail: Value,
) -> Result<u8, String> {
    let before = read_applied(target.http, target.gateway_url).await.ok();
    let result = apply(target, to).await;
    let after = read_applied(target.http, target.gateway_url).await.ok();
    let audit_result = result
        .as_ref()
        .map(|p| format!("{p}%"))
        .map_err(Clone::clone);
    let mut after_line = json!({ "requested": to, "canary_percent": after });
    if let (Value::Object(line), Value::Object(extra)) = (&mut after_line, detail) {
        for (k, v) in extra {
            line.entry(k).or_insert(v);
        }
    }
    if let Err(e) = target.audit.append(
        what,
        json!({ "canary_percent": before }),
        after_line,
        &audit_result,
    ) {
        return Err(format!(
            "canary set to {to}% but the audit log {} could not be written: {e}",
            target.audit.path().display()
        ));
    }
    result
}

async fn apply(target: &CanaryTarget<'_>, to: u8) -> Result<u8, String> {
    if to > 100 {
        return Err(format!("{to} is not a percentage from 0 to 100"));
    }
    let gateway = lab_service(target.docker, target.project, "gateway").await?;
    let out = exec(
        target.docker,
        &gateway,
        &["set-canary", &to.to_string()],
        EXEC_TIMEOUT,
    )
    .await?;
    if out.code != 0 {
        return Err(format!(
            "the gateway refused the new split (exit {}): {}{}",
            out.code,
            out.output.lines().last().unwrap_or("no output"),
            chaos_hint()
        ));
    }
    let applied = read_applied(target.http, target.gateway_url).await?;
    if applied != to {
        return Err(format!(
            "asked for {to}% but the gateway reports {applied}%"
        ));
    }
    Ok(applied)
}

/// Why nginx may not load a new split: an api taken away by a chaos fault has no DNS entry,
/// and nginx resolves its upstreams when it loads its config.
fn chaos_hint() -> String {
    let entries = super::ledger::Ledger::new(super::ledger::default_path())
        .entries()
        .unwrap_or_default();
    let gone: Vec<String> = entries
        .iter()
        .filter(|e| e.service.starts_with("api-"))
        .filter(|e| matches!(e.undo, Undo::Start | Undo::Reconnect))
        .map(|e| format!("{} until {}", e.label(), e.deadline.format("%H:%M:%S")))
        .collect();
    if gone.is_empty() {
        String::new()
    } else {
        format!(
            " (chaos: {}; nginx cannot resolve an api that is down or cut off, so the split can change once it is back)",
            gone.join(", ")
        )
    }
}
