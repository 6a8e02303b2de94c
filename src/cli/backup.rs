//! `driftdock backup …`: the backup keys' headless twins, on the same effects. Text or `--json`
//! on stdout; a progress bar on stderr when stdout is a terminal. Exit codes: 0 done, 1 failed,
//! 2 refused (read-only, not confirmed, bad input).

use anyhow::Result;
use clap::Subcommand;
use driftdock::app::backup::{pitr, retention, Kind, Manifest, Progress};
use driftdock::config::Config;
use driftdock::effects::backup::restore::Restored;
use driftdock::effects::backup::Backups;
use driftdock::probes;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use std::io::IsTerminal;

#[derive(Subcommand, Clone, Debug)]
pub enum BackupAction {
    /// Take a backup: a `pg_dump -Fc` of the lab's database, or with --base a base backup of
    /// the cluster (what `restore --to` starts from). Retention runs after it.
    Create {
        #[arg(long)]
        base: bool,
    },
    /// The backups, with age, size and verification state.
    List,
    /// Checksum, restore into a scratch database, compare with the manifest, drop the scratch.
    Verify { id: String },
    /// Restore backup ID over the live database (after a safety backup), or with --to TIME
    /// bring the database to that moment from a base backup and the archived WAL.
    Restore {
        #[arg(required_unless_present = "to", conflicts_with = "to")]
        id: Option<String>,
        /// 2026-12-06T06:30:00Z, "2026-12-06 06:30:00" or 06:30:00 (local), "90s ago".
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// Do not ask to type the backup's id.
        #[arg(long)]
        yes: bool,
    },
    /// Apply retention now (keep_last / keep_within in the config's [backup]).
    Prune {
        /// Say what would be deleted, delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn print(text: &str) -> Result<()> {
    super::write_stdout(text)?;
    Ok(())
}

fn print_json(v: &Value) -> Result<()> {
    print(&(serde_json::to_string(v)? + "\n"))
}

fn mb(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.2} GB", bytes as f64 / (1u64 << 30) as f64)
    } else if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} kB", bytes as f64 / 1024.0)
    }
}

/// The gauge on stderr, only when a person watches stdout.
fn bar() -> Option<ProgressBar> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg}").unwrap_or(ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(pb)
}

fn show(pb: &Option<ProgressBar>, p: Progress) {
    if let Some(pb) = pb {
        let of = p
            .total
            .map(|t| {
                format!(
                    " of {} ({:.0}%)",
                    mb(t),
                    100.0 * p.bytes as f64 / t.max(1) as f64
                )
            })
            .unwrap_or_default();
        pb.set_message(format!(
            "{} · {}: {}{of} · {}/s · {:.1}s",
            p.op,
            p.phase,
            mb(p.bytes),
            mb(p.rate() as u64),
            p.elapsed_ms as f64 / 1000.0
        ));
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn age(m: &Manifest) -> String {
    let s = (chrono::Utc::now() - m.finished_at).num_seconds().max(0) as u64;
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

fn manifest_line(m: &Manifest) -> String {
    format!(
        "{:<28} {:<4} {:>7} {:>10} {:>8} rows  {:<10} {}",
        m.id,
        m.kind.name(),
        age(m),
        mb(m.size),
        m.total_rows(),
        m.verification_word(),
        m.reason
    )
}

/// Asks to type `id` back; false when not confirmed.
fn confirm(what: &str, id: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        eprintln!("driftdock: {what}: pass --yes to confirm without a terminal");
        return Ok(false);
    }
    eprint!("{what}\nType the backup's id ({id}) to go on: ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim() == id)
}

pub fn run(config: &Config, action: BackupAction, json: bool, readonly: bool) -> Result<i32> {
    let mutating = !matches!(
        action,
        BackupAction::List | BackupAction::Prune { dry_run: true }
    );
    if readonly && mutating {
        eprintln!("driftdock: read-only: no backup is taken, verified, restored or pruned");
        return Ok(2);
    }
    let docker = probes::docker::connect(config).map_err(anyhow::Error::msg)?;
    let b = Backups::new(config, docker, "cli").map_err(anyhow::Error::msg)?;
    let rt = runtime()?;
    match action {
        BackupAction::List => list(&b, json),
        BackupAction::Create { base } => {
            let kind = if base { Kind::Base } else { Kind::Dump };
            let pb = bar();
            let on = |p: Progress| show(&pb, p);
            let result = rt.block_on(async {
                tokio::select! {
                    r = b.create(kind, "manual", &on) => r,
                    _ = tokio::signal::ctrl_c() => Err("cancelled: no backup was kept".into()),
                }
            });
            if let Some(pb) = pb {
                pb.finish_and_clear();
            }
            report_manifest(result, json, "took")
        }
        BackupAction::Verify { id } => {
            let pb = bar();
            let on = |p: Progress| show(&pb, p);
            let result = rt.block_on(b.verify(&id, &on));
            if let Some(pb) = pb {
                pb.finish_and_clear();
            }
            report_manifest(result, json, "verified")
        }
        BackupAction::Restore { id, to, yes } => {
            let (what, id_to_type, target) = match (&id, &to) {
                (Some(id), _) => {
                    let m = match b.store.find(id) {
                        Ok(m) => m,
                        Err(e) => return refuse(&e, json),
                    };
                    (
                        format!(
                            "Restore {} ({}, {} rows) over the live database {}?",
                            m.id,
                            m.finished_at.format("%Y-%m-%d %H:%M:%S UTC"),
                            m.total_rows(),
                            m.database
                        ),
                        m.id,
                        None,
                    )
                }
                (None, Some(text)) => {
                    let now = chrono::Utc::now();
                    let offset = *chrono::Local::now().offset();
                    let target = match pitr::parse_time(text, now, offset) {
                        Ok(t) => t,
                        Err(e) => return refuse(&e, json),
                    };
                    let base = match rt.block_on(b.plan_to(target)) {
                        Ok(base) => base,
                        Err(e) => return refuse(&format!("restore refused: {e}"), json),
                    };
                    (
                        format!(
                            "Bring the whole Postgres cluster back to {} (from base {} and the \
                             archived WAL)?",
                            target.format("%Y-%m-%d %H:%M:%S%.3f UTC"),
                            base.id
                        ),
                        base.id,
                        Some(target),
                    )
                }
                (None, None) => unreachable!("clap requires an id or --to"),
            };
            if !yes && !confirm(&what, &id_to_type)? {
                return refuse("not confirmed: nothing was restored", json);
            }
            let pb = bar();
            let on = |p: Progress| show(&pb, p);
            let result = match target {
                Some(t) => rt.block_on(b.restore_to(t, &on)),
                None => rt.block_on(b.restore(&id_to_type, &on)),
            };
            if let Some(pb) = pb {
                pb.finish_and_clear();
            }
            report_restore(result, json)
        }
        BackupAction::Prune { dry_run } => prune(&b, &rt, dry_run, json),
    }
}

fn refuse(msg: &str, json: bool) -> Result<i32> {
    fail(msg, json, 2)
}

/// Says why on stderr (and as JSON when asked) and returns the exit code.
fn fail(msg: &str, json: bool, code: i32) -> Result<i32> {
    if json {
        print_json(&json!({ "ok": false, "error": msg }))?;
    }
    eprintln!("driftdock: {msg}");
    Ok(code)
}

fn report_manifest(result: Result<Manifest, String>, json: bool, verb: &str) -> Result<i32> {
    match result {
        Ok(m) => {
            if json {
                print_json(&json!({ "ok": true, "backup": m }))?;
            } else {
                let took = (m.finished_at - m.started_at).num_milliseconds() as f64 / 1000.0;
                let detail = m.verified.as_ref().map(|v| v.detail.clone());
                print(&format!(
                    "{}\n{verb}: {}\n",
                    manifest_line(&m),
                    detail.unwrap_or_else(|| format!(
                        "{took:.1}s, {}/s, sha256 {}",
                        mb((m.size as f64 / took.max(0.001)) as u64),
                        m.sha256
                    ))
                ))?;
            }
            Ok(0)
        }
        Err(e) => fail(&e, json, 1),
    }
}

fn report_restore(result: Result<Restored, String>, json: bool) -> Result<i32> {
    match result {
        Ok(r) => {
            let rows: i64 = r.tables.iter().map(|t| t.rows).sum();
            if json {
                print_json(&json!({
                    "ok": true, "from": r.id, "safety": r.safety, "target": r.target,
                    "tables": r.tables, "rows": rows, "requeued": r.requeued,
                    "new_base": r.new_base, "took_ms": r.took.as_millis() as u64,
                }))?;
            } else {
                print(&format!(
                    "restored from {} in {:.1}s: {} tables, {rows} rows; {} events requeued; \
                     safety backup {}{}\n",
                    r.id,
                    r.took.as_secs_f64(),
                    r.tables.len(),
                    r.requeued,
                    r.safety,
                    r.new_base
                        .map(|b| format!("; new base {b}"))
                        .unwrap_or_default()
                ))?;
            }
            Ok(0)
        }
        Err(e) => fail(&e, json, 1),
    }
}

fn list(b: &Backups, json: bool) -> Result<i32> {
    let (all, problems) = b.list().map_err(anyhow::Error::msg)?;
    for p in &problems {
        eprintln!("driftdock: {p}");
    }
    if json {
        print_json(&json!({ "dir": b.store.dir(), "backups": all, "unreadable": problems }))?;
        return Ok(0);
    }
    if all.is_empty() {
        print(&format!("no backup in {}\n", b.store.dir().display()))?;
    }
    let text: String = all.iter().rev().map(|m| manifest_line(m) + "\n").collect();
    print(&text)?;
    Ok(0)
}

fn prune(b: &Backups, rt: &tokio::runtime::Runtime, dry_run: bool, json: bool) -> Result<i32> {
    let (all, _) = b.list().map_err(anyhow::Error::msg)?;
    let verdicts = retention::judge(&all, b.rule, chrono::Utc::now());
    let deleted = if dry_run {
        verdicts
            .iter()
            .filter(|v| !v.keep)
            .map(|v| v.id.clone())
            .collect()
    } else {
        let lock = b.lock().map_err(anyhow::Error::msg)?;
        rt.block_on(b.prune(&lock)).map_err(anyhow::Error::msg)?
    };
    if json {
        let v: Vec<Value> = verdicts
            .iter()
            .map(|v| json!({ "id": v.id, "keep": v.keep, "why": v.why }))
            .collect();
        print_json(&json!({ "dry_run": dry_run, "deleted": deleted, "verdicts": v }))?;
    } else {
        for v in &verdicts {
            let word = if v.keep {
                "keep  "
            } else if dry_run {
                "would delete"
            } else {
                "delete"
            };
            print(&format!("{word} {:<28} {}\n", v.id, v.why))?;
        }
    }
    Ok(0)
}
