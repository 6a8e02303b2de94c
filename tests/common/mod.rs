//! Helpers for tests that run against the real lab brought up by `driftdock lab up`.
#![allow(dead_code)]

pub mod backup;
pub mod cast;
pub mod chaos;
pub mod tmux;

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
        // A fresh connection per request: an nginx reload (a canary change, a chaos undo)
        // closes idle keep-alive connections, and a request racing that close fails with
        // IncompleteMessage, which is the client's problem, not the gateway's.
        .pool_max_idle_per_host(0)
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

/// Runs docker and returns its trimmed stdout, or None when it failed: for clean-up code
/// (guards' Drop) that must not panic.
pub fn try_docker(args: &[&str]) -> Option<String> {
    let out = Command::new("docker").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The container's state and health as Docker reports them (`running/healthy`,
/// `exited/none`…).
pub fn state_of(container: &str) -> Option<String> {
    try_docker(&[
        "inspect",
        "-f",
        "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}",
        container,
    ])
}

/// Waits until the container is running and, if it has a healthcheck, healthy.
pub fn wait_healthy(container: &str, within: Duration) -> bool {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(s) = state_of(container) {
            if s == "running/healthy" || s == "running/none" {
                return true;
            }
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The lab's services, as their compose names.
pub const SERVICES: [&str; 7] = [
    "gateway",
    "api-v1",
    "api-v2",
    "worker",
    "redis",
    "postgres",
    "prometheus",
];

/// Every lab container, running or not, by its service label.
pub fn lab_container_any_state(service: &str) -> Option<String> {
    try_docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=com.docker.compose.project={PROJECT}"),
        "--filter",
        &format!("label=com.docker.compose.service={service}"),
    ])
    .and_then(|out| out.lines().next().map(str::to_string))
}

/// Starts any stopped lab container and waits for all of them to be healthy.
pub fn restore_lab(within: Duration) -> bool {
    let deadline = std::time::Instant::now() + within;
    let mut ok = true;
    for service in SERVICES {
        let Some(id) = lab_container_any_state(service) else {
            ok = false;
            continue;
        };
        if state_of(&id).is_some_and(|s| s.starts_with("paused")) {
            try_docker(&["unpause", &id]);
        } else if !state_of(&id).is_some_and(|s| s.starts_with("running")) {
            try_docker(&["start", &id]);
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        ok &= wait_healthy(&id, left);
    }
    ok
}

/// Runs `during` while 8 threads send `GET /health` through the gateway as fast as they can;
/// returns (requests sent, requests failed). Each request has a fresh connection (see
/// `client`), so only what the gateway does can fail one.
pub fn traffic_during(during: impl FnOnce()) -> (usize, usize) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (stop, sent, failed) = (stop.clone(), sent.clone(), failed.clone());
            std::thread::spawn(move || {
                let http = client();
                while !stop.load(Ordering::Relaxed) {
                    sent.fetch_add(1, Ordering::Relaxed);
                    let ok = http
                        .get(format!("{GATEWAY}/health"))
                        .send()
                        .map(|r| r.status().is_success())
                        .unwrap_or(false);
                    if !ok {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    during();
    stop.store(true, Ordering::Relaxed);
    workers
        .into_iter()
        .for_each(|w| w.join().expect("traffic thread"));
    (sent.load(Ordering::Relaxed), failed.load(Ordering::Relaxed))
}
