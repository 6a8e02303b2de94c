//! `driftdock load start [--rate N] | stop | status`: the `L` key's headless twin. The lab's
//! load generator (the compose `load` service) gives a canary, and every drill, traffic to
//! judge.

use anyhow::Result;
use clap::Subcommand;
use driftdock::config::Config;
use driftdock::effects::load;
use driftdock::probes::{self, prometheus};
use driftdock::record::audit::{self, AuditLog};
use serde_json::json;
use std::time::Duration;

#[derive(Subcommand, Clone, Copy, Debug)]
pub enum LoadAction {
    /// Start (or restart at a new rate) the lab's load generator.
    Start {
        /// Requests per second (default: the config's `[load] rate`).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        rate: Option<u32>,
    },
    /// Stop and remove the load generator's container.
    Stop,
    /// Whether it runs, the rate it was started with, and the rate Prometheus measures.
    Status,
}

pub fn run(config: &Config, action: LoadAction, json: bool, readonly: bool) -> Result<i32> {
    if readonly && !matches!(action, LoadAction::Status) {
        anyhow::bail!("read-only: the load generator cannot be started or stopped");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let docker = probes::docker::connect(config).map_err(anyhow::Error::msg)?;
    let project = config.lab.project.as_str();
    let rate = match action {
        LoadAction::Start { rate } => Some(rate.unwrap_or(config.load.rate)),
        LoadAction::Stop => None,
        LoadAction::Status => return status(config, &rt, &docker, json),
    };
    let audit = AuditLog::new(audit::default_path(), "cli");
    let result = rt.block_on(load::set(&docker, project, &audit, rate));
    if json {
        super::write_stdout(
            &(serde_json::to_string(&json!({
                "ok": result.is_ok(),
                "rate": rate,
                "message": result.as_ref().ok(),
                "error": result.as_ref().err(),
            }))? + "\n"),
        )?;
    } else {
        match &result {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("driftdock load: {e}"),
        }
    }
    Ok(if result.is_ok() { 0 } else { 1 })
}

fn status(
    config: &Config,
    rt: &tokio::runtime::Runtime,
    docker: &bollard::Docker,
    json: bool,
) -> Result<i32> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let project = config.lab.project.as_str();
    let (container, measured) = rt.block_on(async {
        tokio::join!(
            load::container_status(docker, project),
            prometheus::read_guard(
                &http,
                config.endpoints.prometheus.expose(),
                Duration::from_secs(30)
            ),
        )
    });
    let mut st = container.map_err(anyhow::Error::msg)?;
    if let Ok(driftdock::app::Reading::Guard { load_rps, .. }) = measured {
        st.measured_rps = Some(load_rps);
    }
    if json {
        super::write_stdout(&(serde_json::to_string(&st)? + "\n"))?;
    } else {
        println!(
            "load generator: {}{}; measured {}",
            st.state.as_deref().unwrap_or("not created"),
            st.configured_rate
                .map_or(String::new(), |r| format!(" at {r} req/s")),
            st.measured_rps
                .map_or("- (prometheus unreachable)".into(), |r| format!(
                    "{r:.1} req/s over 30s"
                ))
        );
    }
    Ok(0)
}
