//! The lab's load generator: the compose `load` service, started and stopped through
//! `stack/lab.sh load-start RATE | load-stop`, so the script stays the one place that knows how
//! the lab is run; only the lab project's `load` container is touched.

use crate::probes::docker::{self, inspected_is_lab};
use crate::record::audit::AuditLog;
use bollard::Docker;
use serde::Serialize;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

/// Compose may pull nothing, but it may wait on the engine.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Where the lab's files are: `DRIFTDOCK_STACK_DIR`, else `./stack`, else the source tree
/// this binary was built from.
pub fn stack_dir() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("DRIFTDOCK_STACK_DIR") {
        let dir = PathBuf::from(dir);
        if dir.join("lab.sh").is_file() {
            return Ok(dir);
        }
        return Err(format!(
            "DRIFTDOCK_STACK_DIR={} has no lab.sh: point it at the repository's stack/ folder",
            dir.display()
        ));
    }
    let candidates = [
        PathBuf::from("stack"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("stack"),
    ];
    candidates
        .into_iter()
        .find(|dir| dir.join("lab.sh").is_file())
        .ok_or_else(|| {
            "cannot find the lab's stack/ folder: run from the repository or set DRIFTDOCK_STACK_DIR"
                .to_string()
        })
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LoadStatus {
    /// The container's state (running, exited…); None when there is none.
    pub state: Option<String>,
    /// The `--rate` it was started with.
    pub configured_rate: Option<f64>,
    /// Requests per second it sent, as Prometheus saw them over 30 s.
    pub measured_rps: Option<f64>,
}

impl LoadStatus {
    pub fn running(&self) -> bool {
        self.state.as_deref() == Some("running")
    }
}

/// The `load` container's state and the rate in its command.
pub async fn container_status(docker: &Docker, project: &str) -> Result<LoadStatus, String> {
    let list = docker::list(docker, project).await?;
    let Some(c) = list.iter().find(|c| c.service == "load") else {
        return Ok(LoadStatus::default());
    };
    let inspected = docker
        .inspect_container(&c.id, None)
        .await
        .map_err(|e| docker::describe(&e))?;
    let rate = inspected_is_lab(&inspected, project)
        .then(|| inspected.config.as_ref()?.cmd.clone())
        .flatten()
        .and_then(|cmd| {
            let at = cmd.iter().position(|a| a == "--rate")?;
            cmd.get(at + 1)?.parse::<f64>().ok()
        });
    Ok(LoadStatus {
        state: Some(c.state.clone()),
        configured_rate: rate,
        measured_rps: None,
    })
}

async fn script(args: &[&str]) -> Result<String, String> {
    let dir = stack_dir()?;
    let run = tokio::process::Command::new("bash")
        .arg(dir.join("lab.sh"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(SCRIPT_TIMEOUT, run)
        .await
        .map_err(|_| {
            format!(
                "lab.sh {} took longer than {SCRIPT_TIMEOUT:?}",
                args.join(" ")
            )
        })?
        .map_err(|e| format!("cannot run bash to drive the lab: {e}"))?;
    let text = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if out.status.success() {
        Ok(text)
    } else {
        let last = text.lines().last().unwrap_or("no output");
        Err(format!("lab.sh {} failed: {last}", args.join(" ")))
    }
}

/// Starts the load generator at `rate` requests per second (or stops it, with None), audited.
/// Returns what is now running, in words.
pub async fn set(
    docker: &Docker,
    project: &str,
    audit: &AuditLog,
    rate: Option<u32>,
) -> Result<String, String> {
    let before = container_status(docker, project).await.unwrap_or_default();
    let result = match rate {
        Some(0) | Some(10_001..) => Err(format!(
            "expected a rate from 1 to 10000 requests per second, got {}",
            rate.unwrap_or(0)
        )),
        Some(r) => script(&["load-start", &r.to_string()])
            .await
            .map(|_| format!("load generator running at {r} req/s")),
        None => script(&["load-stop"])
            .await
            .map(|_| "load generator stopped".to_string()),
    };
    let after = container_status(docker, project).await.unwrap_or_default();
    let what = if rate.is_some() {
        "load.start"
    } else {
        "load.stop"
    };
    let line = |s: &LoadStatus| json!({ "state": s.state, "rate": s.configured_rate });
    let mut after_line = line(&after);
    after_line["requested_rate"] = json!(rate);
    audit
        .append(what, line(&before), after_line, &result)
        .map_err(|e| {
            format!(
                "the audit log {} could not be written: {e}",
                audit.path().display()
            )
        })?;
    result
}
