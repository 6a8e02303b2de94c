//! `driftdock chaos …`: the chaos keys' headless twins. A fault stays in the foreground until
//! its deadline, then is undone (Ctrl-C or SIGTERM undo it at once); `--detach` leaves it in
//! the recovery ledger for `chaos recover` or the next start. `list`, `stop-all` and `recover`
//! read the ledger.

use anyhow::Result;
use clap::{Args, Subcommand};
use driftdock::app::fault::{self, FaultKind, FaultSpec};
use driftdock::config::Config;
use driftdock::effects::chaos::{summary, Chaos};
use driftdock::effects::ledger::{self, Entry, Ledger};
use driftdock::probes;
use driftdock::record::audit::{self, AuditLog};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};

#[derive(Args, Clone, Debug)]
pub struct Common {
    /// How long the fault lasts (default: the config's `[chaos] duration`).
    #[arg(long = "for", value_name = "DURATION", value_parser = fault::parse_duration)]
    duration: Option<Duration>,
    /// Leave the fault in the ledger and return; `chaos recover` (or the next start) undoes
    /// it once its deadline has passed.
    #[arg(long)]
    detach: bool,
}

#[derive(Subcommand, Clone, Debug)]
pub enum ChaosAction {
    /// Send a signal to SERVICE's container (SIGKILL by default); undo: start it.
    Kill {
        service: String,
        #[arg(long, default_value = "KILL", value_parser = fault::parse_signal)]
        signal: String,
        #[command(flatten)]
        common: Common,
    },
    /// Freeze SERVICE's processes; undo: unpause.
    Pause {
        service: String,
        #[command(flatten)]
        common: Common,
    },
    /// Stop SERVICE's container; undo: start it.
    Stop {
        service: String,
        #[command(flatten)]
        common: Common,
    },
    /// Restart SERVICE's container; undo: make sure it runs.
    Restart {
        service: String,
        #[command(flatten)]
        common: Common,
    },
    /// Disconnect SERVICE from the lab network; undo: reconnect it under its service name.
    Partition {
        service: String,
        #[command(flatten)]
        common: Common,
    },
    /// Delay SERVICE's outgoing packets with tc netem; undo: remove the qdisc.
    Latency {
        service: String,
        /// The added delay: 300ms, 1s.
        #[arg(value_parser = fault::parse_delay)]
        delay: u64,
        #[arg(long, value_parser = fault::parse_delay, default_value = "0ms")]
        jitter: u64,
        /// Packets dropped, in percent.
        #[arg(long, value_parser = fault::parse_percent, default_value = "0")]
        loss: f64,
        #[command(flatten)]
        common: Common,
    },
    /// Load SERVICE's CPU and memory with stress-ng; undo: kill it.
    Stress {
        service: String,
        /// CPU workers.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=64))]
        cpu: u32,
        /// Memory to hold: 256M, 1G (0: none).
        #[arg(long, value_parser = fault::parse_mem, default_value = "0")]
        mem: u64,
        #[command(flatten)]
        common: Common,
    },
    /// Kill a random critical service (gateway, api-v1, api-v2, worker, redis, postgres).
    Random {
        #[command(flatten)]
        common: Common,
    },
    /// The faults in the recovery ledger.
    List,
    /// Emergency stop: undo every fault in the ledger now.
    StopAll,
    /// Undo the faults nobody will undo on time: overdue, or left by a process that died.
    Recover,
}

fn print_json(v: &Value) -> Result<()> {
    super::write_stdout(&(serde_json::to_string(v)? + "\n"))?;
    Ok(())
}

fn chaos(config: &Config, via: &str) -> Result<Chaos> {
    Ok(Chaos {
        docker: probes::docker::connect(config).map_err(anyhow::Error::msg)?,
        project: config.lab.project.clone(),
        network: config.chaos.network.clone(),
        ledger: Ledger::new(ledger::default_path()),
        audit: AuditLog::new(audit::default_path(), via),
        via: via.to_string(),
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// A seed for `random`: std's hasher keys are random per process.
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0) as u128);
    h.finish()
}

/// The fault a subcommand asks for, or None for list / stop-all / recover.
fn spec(action: &ChaosAction, default: Duration) -> Option<(FaultSpec, bool)> {
    let (service, kind, common) = match action {
        ChaosAction::Kill {
            service,
            signal,
            common,
        } => (
            service.clone(),
            FaultKind::Kill {
                signal: signal.clone(),
            },
            common,
        ),
        ChaosAction::Pause { service, common } => (service.clone(), FaultKind::Pause, common),
        ChaosAction::Stop { service, common } => (service.clone(), FaultKind::Stop, common),
        ChaosAction::Restart { service, common } => (service.clone(), FaultKind::Restart, common),
        ChaosAction::Partition { service, common } => {
            (service.clone(), FaultKind::Partition, common)
        }
        ChaosAction::Latency {
            service,
            delay,
            jitter,
            loss,
            common,
        } => (
            service.clone(),
            FaultKind::Latency {
                delay_ms: *delay,
                jitter_ms: *jitter,
                loss_percent: *loss,
            },
            common,
        ),
        ChaosAction::Stress {
            service,
            cpu,
            mem,
            common,
        } => (
            service.clone(),
            FaultKind::Stress {
                cpu: *cpu,
                mem_mb: *mem,
            },
            common,
        ),
        ChaosAction::Random { common } => (
            fault::pick_critical(seed()).to_string(),
            FaultKind::Kill {
                signal: "SIGKILL".into(),
            },
            common,
        ),
        ChaosAction::List | ChaosAction::StopAll | ChaosAction::Recover => return None,
    };
    let duration = common.duration.unwrap_or(default);
    Some((
        FaultSpec {
            service,
            kind,
            duration,
        },
        common.detach,
    ))
}

pub fn run(config: &Config, action: ChaosAction, json: bool, readonly: bool) -> Result<i32> {
    if readonly && !matches!(action, ChaosAction::List) {
        anyhow::bail!("read-only: no fault can be applied or undone");
    }
    match action {
        ChaosAction::List => list(json),
        ChaosAction::StopAll => recover(config, json, "emergency stop", "undid", |_| true),
        ChaosAction::Recover => recover(config, json, "recover", "recovered", |e| {
            e.overdue(chrono::Utc::now()) || e.orphaned()
        }),
        other => {
            let (spec, detach) = spec(&other, config.chaos.duration).expect("a fault");
            inflict(config, spec, detach, json)
        }
    }
}

fn list(json: bool) -> Result<i32> {
    let entries = Ledger::new(ledger::default_path()).entries()?;
    if json {
        print_json(&json!({ "faults": entries }))?;
        return Ok(0);
    }
    if entries.is_empty() {
        println!("no fault in force");
    }
    let now = chrono::Utc::now();
    for e in &entries {
        let left = (e.deadline - now).num_seconds();
        let when = if left > 0 {
            format!("{left}s left")
        } else {
            format!("OVERDUE by {}s", -left)
        };
        let owner = match e.owner_pid {
            Some(pid) if e.orphaned() => format!("owner {pid} gone"),
            Some(pid) => format!("owner {pid}"),
            None => "detached".into(),
        };
        println!(
            "{:<28} {:<32} {:<10} until {} ({when}, {owner})",
            e.id,
            e.label(),
            e.undo.describe(),
            e.deadline.format("%H:%M:%S")
        );
    }
    Ok(0)
}

fn recover(
    config: &Config,
    json: bool,
    why: &str,
    verb: &str,
    pick: impl Fn(&Entry) -> bool,
) -> Result<i32> {
    let chaos = chaos(config, "cli")?;
    let results = runtime()?.block_on(chaos.undo_where(why, pick));
    let results = results.map_err(anyhow::Error::msg)?;
    let failed = results.iter().filter(|(_, r)| r.is_err()).count();
    if json {
        let lines: Vec<Value> = results
            .iter()
            .map(|(e, r)| {
                json!({
                    "id": e.id,
                    "service": e.service,
                    "fault": e.fault,
                    "ok": r.is_ok(),
                    "took_ms": r.as_ref().ok().map(|d| d.as_millis() as u64),
                    "error": r.as_ref().err(),
                })
            })
            .collect();
        print_json(&json!({ "ok": failed == 0, "undone": lines }))?;
    } else {
        println!("{}", summary(verb, &results));
    }
    Ok(if failed == 0 { 0 } else { 1 })
}

fn inflict(config: &Config, spec: FaultSpec, detach: bool, json: bool) -> Result<i32> {
    let chaos = chaos(config, "cli")?;
    let rt = runtime()?;
    rt.block_on(async move {
        // Signals are caught before the fault exists, so none can slip between the two.
        let mut sigint = signal(SignalKind::interrupt())?;
        let mut sigterm = signal(SignalKind::terminate())?;
        let owner = (!detach).then(std::process::id);
        let applied = match chaos.inflict(&spec, owner).await {
            Ok(a) => a,
            Err(e) => {
                if json {
                    print_json(&json!({ "ok": false, "event": "refused", "error": e }))?;
                } else {
                    eprintln!("driftdock chaos: {e}");
                }
                return Ok(1);
            }
        };
        let e = &applied.entry;
        if json {
            print_json(&json!({
                "ok": true,
                "event": "applied",
                "id": e.id,
                "service": e.service,
                "container": e.container_name,
                "fault": e.fault,
                "undo": e.undo,
                "deadline": e.deadline,
                "detached": detach,
                "took_ms": applied.took.as_millis() as u64,
            }))?;
        } else {
            println!(
                "{} ({}) for {}s, until {}{} — applied in {} ms",
                e.label(),
                e.container_name,
                spec.duration.as_secs(),
                e.deadline.format("%H:%M:%S"),
                if detach {
                    "; detached: `driftdock chaos recover` undoes it once overdue"
                } else {
                    ""
                },
                applied.took.as_millis()
            );
        }
        if detach {
            return Ok(0);
        }
        let why = tokio::select! {
            _ = tokio::time::sleep(spec.duration) => "deadline",
            _ = sigint.recv() => "interrupted",
            _ = sigterm.recv() => "terminated",
        };
        let result = chaos.undo(e, why).await;
        if json {
            print_json(&json!({
                "ok": result.is_ok(),
                "event": "recovered",
                "id": e.id,
                "why": why,
                "took_ms": result.as_ref().ok().map(|d| d.as_millis() as u64),
                "error": result.as_ref().err(),
            }))?;
        } else {
            match &result {
                Ok(took) => println!(
                    "recovered {} ({why}) in {} ms",
                    e.label(),
                    took.as_millis()
                ),
                Err(err) => eprintln!(
                    "driftdock chaos: {} NOT undone: {err}; it stays in the ledger for `driftdock chaos recover`",
                    e.label()
                ),
            }
        }
        Ok(if result.is_ok() { 0 } else { 1 })
    })
}

/// Before anything else at start: undo the faults that are overdue or whose owner died, and
/// say so in one line on stderr. Quick when the ledger is empty (no Docker call at all).
pub fn recover_at_start(config: &Config, readonly: bool) {
    let ledger = Ledger::new(ledger::default_path());
    let now = chrono::Utc::now();
    let due = |e: &Entry| e.overdue(now) || e.orphaned();
    let entries = match ledger.entries() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("driftdock: cannot read the recovery ledger: {e}");
            return;
        }
    };
    let n = entries.iter().filter(|e| due(e)).count();
    if n == 0 {
        return;
    }
    if readonly {
        eprintln!(
            "driftdock: {n} overdue fault(s) in the recovery ledger; run without --readonly to undo them"
        );
        return;
    }
    let outcome = chaos(config, "start")
        .and_then(|c| Ok((c, runtime()?)))
        .map_err(|e| e.to_string())
        .and_then(|(c, rt)| rt.block_on(c.undo_where("overdue at start", due)));
    match outcome {
        Ok(results) => eprintln!(
            "driftdock: {}",
            summary("recovered overdue fault(s):", &results)
        ),
        Err(e) => eprintln!("driftdock: overdue faults could not be recovered: {e}"),
    }
}
