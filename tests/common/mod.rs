//! Helpers for tests that run against the real lab brought up by `driftdock lab up`.
#![allow(dead_code)]

use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

pub const GATEWAY: &str = "http://127.0.0.1:8080";
pub const PROMETHEUS: &str = "http://127.0.0.1:9090";
pub const PROJECT: &str = "driftdock";

/// Tests that change the lab's shared state (canary, faults, worker) take this lock.
static LAB: Mutex<()> = Mutex::new(());

pub fn lab_lock() -> MutexGuard<'static, ()> {
    LAB.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(16)
        .build()
        .expect("http client")
}

/// Fails with a hint instead of a wall of connection errors when the lab is not up.
pub fn require_lab() {
    let ok = client()
        .get(format!("{GATEWAY}/gateway/health"))
        .send()
        .map(|r| r.status().is_success())
        .unwrap_or(false);
    assert!(
        ok,
        "the lab is not reachable at {GATEWAY}: run `driftdock lab up` (or `bash stack/lab.sh up`) first"
    );
}

/// The id of the lab container running `service`, found by the project's labels.
pub fn container(service: &str) -> String {
    let out = Command::new("docker")
        .args([
            "ps",
            "-q",
            "--filter",
            &format!("label=com.docker.compose.project={PROJECT}"),
            "--filter",
            &format!("label=com.docker.compose.service={service}"),
        ])
        .output()
        .expect("docker ps");
    let id = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        !id.is_empty(),
        "no running lab container for service {service}"
    );
    id
}

pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker");
    assert!(
        out.status.success(),
        "docker {:?} failed: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn set_canary(percent: u8) {
    let gw = container("gateway");
    docker(&["exec", &gw, "set-canary", &percent.to_string()]);
}

/// Runs one SQL statement in the lab's Postgres and returns its unaligned output.
pub fn psql(sql: &str) -> String {
    let pg = container("postgres");
    let out = docker(&[
        "exec",
        &pg,
        "sh",
        "-c",
        &format!(
            "PGPASSWORD=\"$POSTGRES_PASSWORD\" psql -h 127.0.0.1 -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\" -tAq -c \"{sql}\""
        ),
    ]);
    out.trim().to_string()
}

pub fn version_of(resp: &reqwest::blocking::Response) -> String {
    resp.headers()
        .get("x-api-version")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none")
        .to_string()
}
