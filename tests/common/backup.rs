//! Running `driftdock backup …` against the real lab with a scratch backup folder, ledger and
//! audit log; events written through the gateway; fingerprints of the live table.

use super::chaos::driftdock;
use super::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn backups_dir(dir: &Path) -> PathBuf {
    dir.join("backups")
}

/// Runs `driftdock backup ARGS --json`: exit code, the JSON it printed, stderr.
pub fn backup(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = driftdock(dir, &[&["backup"], args, &["--json"]].concat())
        .env("DRIFTDOCK_BACKUP_DIR", backups_dir(dir))
        .output()
        .expect("run driftdock backup");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

/// Takes a backup and returns its manifest.
pub fn create(dir: &Path, base: bool) -> Value {
    let args: &[&str] = if base {
        &["create", "--base"]
    } else {
        &["create"]
    };
    let (code, json, err) = backup(dir, args);
    assert_eq!(code, 0, "backup create: {json} {err}");
    json["backup"].clone()
}

pub fn list(dir: &Path) -> Vec<Value> {
    let (code, json, err) = backup(dir, &["list"]);
    assert_eq!(code, 0, "backup list: {err}");
    json["backups"].as_array().cloned().unwrap_or_default()
}

/// Writes `n` events of type `kind` through the gateway.
pub fn post_events(kind: &str, n: usize) {
    let c = client();
    for i in 0..n {
        let resp = c
            .post(format!("{GATEWAY}/events"))
            .json(&serde_json::json!({ "type": kind, "payload": { "i": i } }))
            .send()
            .expect("POST /events");
        assert_eq!(resp.status().as_u16(), 201, "POST /events");
    }
}

pub fn count_of(kind: &str) -> i64 {
    psql(&format!(
        "SELECT count(*) FROM events WHERE type = '{kind}'"
    ))
    .parse()
    .expect("count")
}

/// What a restore must bring back exactly: every row's id, type and payload (statuses move on
/// as the worker runs, so they are left out).
pub fn fingerprint() -> String {
    psql("SELECT count(*) || ':' || coalesce(md5(string_agg(id || type || payload::text, ',' ORDER BY id)), '') FROM events")
}

/// Flips one byte in the middle of a file.
pub fn flip_byte(path: &Path) {
    let mut bytes = std::fs::read(path).expect("read backup");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(path, bytes).expect("write backup");
}

pub fn ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|m| m["id"].as_str().unwrap_or_default().to_string())
        .collect()
}
