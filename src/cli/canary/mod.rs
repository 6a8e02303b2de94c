//! `driftdock canary status | set N | promote | abort | plan run [FILE]`: the canary keys'
//! headless twins. `plan run` drives the very plan state machine the control room runs, through
//! `update`, fed by the same probes, its Commands run by the same effects; it prints a line at
//! each change (JSON lines with `--json`) and exits 1 when the plan aborted.

use anyhow::Result;
use clap::Subcommand;
use driftdock::config::Config;
use driftdock::effects::canary::{self, CanaryTarget};
use driftdock::probes;
use driftdock::record::audit::{self, AuditLog};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

mod plan;
mod status;

use plan::plan_run;
use status::status;

#[derive(Subcommand, Clone, Debug)]
pub enum CanaryAction {
    /// The split in force at the gateway, the share of traffic v2 really takes, and whether
    /// they agree. Exits 1 when the gateway or Prometheus cannot be read, 2 on a mismatch.
    Status,
    /// Send PERCENT of requests to v2 (0–100); the old split stays on any failure.
    Set {
        /// 0 to 100 (a trailing % is fine).
        #[arg(allow_hyphen_values = true)]
        percent: String,
    },
    /// v2 takes all traffic (100%).
    Promote,
    /// Back to v1 only (0%).
    Abort,
    /// Canary plans: steps of weight and hold under the guard.
    Plan {
        #[command(subcommand)]
        action: PlanAction,
    },
}

#[derive(Subcommand, Clone, Debug)]
pub enum PlanAction {
    /// Run a plan (the config's, or FILE's) to 100%, or until the guard aborts it (exit 1).
    /// Ctrl-C aborts the plan to 0% before leaving.
    Run {
        /// A plan file: `[[step]]` tables (weight, hold) and an optional `[guard]` table.
        file: Option<PathBuf>,
    },
}

fn tokio_runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

fn http(config: &Config) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(config.timeouts.probe.max(Duration::from_secs(5)))
        .build()?)
}

fn print_json(v: &Value) -> Result<()> {
    super::write_stdout(&(serde_json::to_string(v)? + "\n"))?;
    Ok(())
}

pub fn run(config: &Config, action: CanaryAction, json: bool, readonly: bool) -> Result<i32> {
    let changes_lab = !matches!(action, CanaryAction::Status);
    if changes_lab && readonly {
        anyhow::bail!("read-only: the canary cannot be changed");
    }
    match action {
        CanaryAction::Status => status(config, json),
        CanaryAction::Set { percent } => {
            let text = percent.trim().trim_end_matches('%');
            match text.parse::<u8>() {
                Ok(p) if p <= 100 => set(config, p, "canary.set", json),
                _ => {
                    let msg = format!(
                        "`{percent}` is not a percentage from 0 to 100; the split stays as it is"
                    );
                    if json {
                        print_json(&json!({ "ok": false, "error": msg }))?;
                    } else {
                        eprintln!("driftdock canary set: {msg}");
                    }
                    Ok(2)
                }
            }
        }
        CanaryAction::Promote => set(config, 100, "canary.promote", json),
        CanaryAction::Abort => set(config, 0, "canary.abort", json),
        CanaryAction::Plan {
            action: PlanAction::Run { file },
        } => plan_run(config, file, json),
    }
}

fn set(config: &Config, to: u8, what: &str, json: bool) -> Result<i32> {
    let rt = tokio_runtime()?;
    let docker = probes::docker::connect(config).map_err(anyhow::Error::msg)?;
    let http = http(config)?;
    let audit = AuditLog::new(audit::default_path(), "cli");
    let gateway = config.endpoints.gateway.expose();
    let target = CanaryTarget {
        docker: &docker,
        http: &http,
        project: &config.lab.project,
        gateway_url: gateway,
        audit: &audit,
    };
    let (before, result, after) = rt.block_on(async {
        let before = canary::read_applied(&http, gateway).await.ok();
        let result = canary::set_as(&target, to, what, Value::Null).await;
        let after = canary::read_applied(&http, gateway).await.ok();
        (before, result, after)
    });
    let show = |p: Option<u8>| p.map_or("unknown".to_string(), |p| format!("{p}%"));
    if json {
        print_json(&json!({
            "ok": result.is_ok(),
            "what": what,
            "requested": to,
            "before": before,
            "canary_percent": after,
            "error": result.as_ref().err(),
        }))?;
    } else {
        match &result {
            Ok(p) => println!("canary {} → {p}% (in force at the gateway)", show(before)),
            Err(e) => eprintln!(
                "driftdock canary: {e}\nthe split in force is {}",
                show(after)
            ),
        }
    }
    Ok(if result.is_ok() { 0 } else { 1 })
}
