//! The effects only drills ask for: v2's fault knob through the gateway's admin route, one
//! statement on the lab's database (the point-in-time drill's bad write), and reading a drill
//! file for `:drill FILE`. Each is audited before its result is reported.

use super::report;
use crate::app::drill::{self, DrillEffect, DrillMsg};
use crate::app::msg::{EffectOutcome, Msg};
use crate::config::Config;
use crate::record::audit::AuditLog;
use serde_json::json;
use sqlx::Connection;
use std::time::Duration;
use tokio::sync::mpsc::Sender;

const TIMEOUT: Duration = Duration::from_secs(10);

pub fn run(
    effect: DrillEffect,
    http: reqwest::Client,
    config: &Config,
    audit: AuditLog,
    tx: Sender<Msg>,
) {
    let gateway = config
        .endpoints
        .gateway
        .expose()
        .trim_end_matches('/')
        .to_string();
    let database = config.endpoints.postgres.expose().to_string();
    tokio::spawn(async move {
        match effect {
            DrillEffect::V2Fault {
                error_rate,
                latency_ms,
            } => {
                let name = drill::V2_FAULT_EFFECT;
                report(&tx, name, EffectOutcome::Started).await;
                let result = v2_fault(&http, &gateway, error_rate, latency_ms).await;
                let after = json!({ "error_rate": error_rate, "extra_latency_ms": latency_ms });
                finish(&tx, &audit, name, "drill.v2_fault", after, result).await;
            }
            DrillEffect::Sql(sql) => {
                let name = drill::SQL_EFFECT;
                report(&tx, name, EffectOutcome::Started).await;
                let result = statement(&database, &sql).await;
                finish(
                    &tx,
                    &audit,
                    name,
                    "drill.sql",
                    json!({ "statement": sql }),
                    result,
                )
                .await;
            }
            DrillEffect::Load(path) => {
                let msg = match load(&path) {
                    Ok(spec) => DrillMsg::Loaded(Box::new(spec)),
                    Err(e) => DrillMsg::LoadFailed(e),
                };
                let _ = tx.send(Msg::Drill(msg)).await;
            }
        }
    });
}

/// Reads and checks a drill file.
pub fn load(path: &str) -> Result<drill::DrillSpec, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    drill::parse::parse(&text, path)
}

async fn finish(
    tx: &Sender<Msg>,
    audit: &AuditLog,
    name: &str,
    what: &str,
    after: serde_json::Value,
    result: Result<String, String>,
) {
    let result = match audit.append(what, json!(null), after, &result) {
        Ok(()) => result,
        Err(e) => Err(format!("the audit log could not be written: {e}")),
    };
    let outcome = match result {
        Ok(text) => EffectOutcome::Done(text),
        Err(e) => EffectOutcome::Failed(e),
    };
    report(tx, name, outcome).await;
}

/// `PUT /admin/v2/fault` (or `DELETE` to clear it) through the gateway.
async fn v2_fault(
    http: &reqwest::Client,
    gateway: &str,
    error_rate: f64,
    latency_ms: u64,
) -> Result<String, String> {
    let url = format!("{gateway}/admin/v2/fault");
    let clear = error_rate == 0.0 && latency_ms == 0;
    let req = if clear {
        http.delete(&url)
    } else {
        http.put(&url)
            .json(&json!({ "error_rate": error_rate, "extra_latency_ms": latency_ms }))
    };
    let resp = req
        .timeout(TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("{url}: HTTP {}", resp.status()));
    }
    Ok(if clear {
        "v2 fault cleared".into()
    } else {
        format!(
            "v2 fault set: {:.0}% errors, +{latency_ms} ms",
            error_rate * 100.0
        )
    })
}

async fn statement(url: &str, sql: &str) -> Result<String, String> {
    let run = async {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        let done = sqlx::query(sql).execute(&mut conn).await?;
        let _ = conn.close().await;
        Ok::<_, sqlx::Error>(done.rows_affected())
    };
    match tokio::time::timeout(TIMEOUT, run).await {
        Ok(Ok(rows)) => Ok(format!("sql: {rows} rows affected")),
        Ok(Err(e)) => Err(format!("sql: {e}")),
        Err(_) => Err("sql: no answer within 10s".into()),
    }
}
