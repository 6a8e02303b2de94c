//! Running `driftdock chaos …` against the real lab with a scratch ledger and audit log, and a
//! guard that puts the lab back however a test ends.

use super::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Stdio};
use std::time::Instant;

pub const BIN: &str = env!("CARGO_BIN_EXE_driftdock");
pub const NETWORK: &str = "driftdock_lab";

/// A scratch dir for one test's ledger, audit log and config.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("driftdock-chaos-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

pub fn driftdock(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DRIFTDOCK_LEDGER", dir.join("ledger.json"))
        .env("DRIFTDOCK_AUDIT_LOG", dir.join("audit.jsonl"))
        .env("XDG_CONFIG_HOME", dir)
        .env("XDG_STATE_HOME", dir);
    cmd
}

/// Runs driftdock to the end: exit code, stdout, stderr.
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = driftdock(dir, args).output().expect("run driftdock");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A foreground fault with `--json`: the child and its stdout, read line by line.
pub struct Running {
    pub child: Child,
    lines: BufReader<ChildStdout>,
}

impl Running {
    pub fn start(dir: &Path, args: &[&str]) -> Running {
        let mut child = driftdock(dir, args)
            .arg("--json")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn driftdock chaos");
        let lines = BufReader::new(child.stdout.take().unwrap());
        Running { child, lines }
    }

    /// The next JSON line (blocks until it comes or the process ends).
    pub fn next(&mut self) -> Value {
        let mut line = String::new();
        self.lines.read_line(&mut line).expect("read stdout");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"))
    }

    /// Waits for the process to end, at most `within`; its exit code (-1 if killed for it).
    pub fn wait(&mut self, within: Duration) -> i32 {
        let deadline = Instant::now() + within;
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return s.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return -1;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn audit_lines(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
        .collect()
}

pub fn ledger(dir: &Path) -> Vec<Value> {
    let (code, out, err) = run(dir, &["chaos", "list", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).expect("list JSON");
    v["faults"].as_array().cloned().unwrap_or_default()
}

/// `running`, `paused`, `exited`… as Docker reports it.
pub fn status(container: &str) -> String {
    try_docker(&["inspect", "-f", "{{.State.Status}}", container]).unwrap_or_default()
}

/// Whether the gateway answers through api-v1 (`X-Canary: never`).
pub fn gateway_reaches_v1() -> bool {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
        .get(format!("{GATEWAY}/health"))
        .header("X-Canary", "never")
        .send()
        .is_ok_and(|r| r.status().is_success())
}

pub fn wait_until(within: Duration, mut pred: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if pred() {
            return Some(start.elapsed());
        }
        if start.elapsed() > within {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// However the test ends: every fault in the scratch ledger undone, then anything a failed
/// undo could have left (a missing network, a netem qdisc, stress-ng, a stopped container)
/// put back, the gateway reloaded, and the whole lab healthy again.
pub struct Restore(pub PathBuf);

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = driftdock(&self.0, &["chaos", "stop-all"]).output();
        for service in SERVICES {
            let Some(id) = lab_container_any_state(service) else {
                continue;
            };
            let nets = try_docker(&[
                "inspect",
                "-f",
                "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
                &id,
            ])
            .unwrap_or_default();
            if !nets.contains(NETWORK) {
                try_docker(&["network", "connect", "--alias", service, NETWORK, &id]);
            }
        }
        if !restore_lab(Duration::from_secs(120)) {
            eprintln!("the lab did not come back healthy after a chaos test");
        }
        for service in SERVICES {
            if let Some(id) = lab_container_any_state(service) {
                try_docker(&[
                    "exec",
                    &id,
                    "sh",
                    "-c",
                    "tc qdisc del dev eth0 root 2>/dev/null; pkill -KILL stress-ng; true",
                ]);
            }
        }
        if let Some(gw) = lab_container_any_state("gateway") {
            try_docker(&["exec", &gw, "nginx", "-s", "reload"]);
        }
        if wait_until(Duration::from_secs(30), gateway_reaches_v1).is_none() {
            eprintln!("the gateway does not reach api-v1 after a chaos test");
        }
    }
}
