//! The canary's headless twins against the real lab: `driftdock canary set` moves real
//! traffic, reloads drop nothing, a guarded plan reaches 100% with a healthy v2 and aborts to 0%
//! by itself with a bad one, and `canary status` reports the split against the traffic.
//! Every test restores the lab (split 0, fault cleared, load generator stopped) however it ends.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_driftdock");

/// A scratch dir for this test's audit log and plan files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("driftdock-canary-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn driftdock(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DRIFTDOCK_AUDIT_LOG", dir.join("audit.jsonl"))
        .env("XDG_CONFIG_HOME", dir);
    cmd
}

/// Runs driftdock to the end: exit code, stdout, stderr.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = driftdock(dir, args).output().expect("run driftdock");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a plan, killing it after `within`; its exit code and JSON lines.
fn plan(dir: &Path, file: &Path, within: Duration) -> (i32, Vec<Value>, Duration) {
    let started = Instant::now();
    let mut child = driftdock(
        dir,
        &["canary", "plan", "run", file.to_str().unwrap(), "--json"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawn the plan");
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code().unwrap_or(-1);
        }
        if started.elapsed() > within {
            let _ = child.kill();
            let _ = child.wait();
            break -1;
        }
        thread::sleep(Duration::from_millis(100));
    };
    let took = started.elapsed();
    let out = child.wait_with_output().expect("plan output");
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    if code != 0 {
        eprintln!("stderr: {}", String::from_utf8_lossy(&out.stderr));
    }
    (code, lines, took)
}

fn audit_lines(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
        .collect()
}

fn applied() -> u64 {
    let body: Value = client()
        .get(format!("{GATEWAY}/gateway/canary"))
        .send()
        .expect("canary read-back")
        .json()
        .expect("json");
    body["canary_percent"].as_u64().expect("canary_percent")
}

fn set_fault(error_rate: f64) {
    let resp = client()
        .put(format!("{GATEWAY}/admin/v2/fault"))
        .json(&serde_json::json!({ "error_rate": error_rate }))
        .send()
        .expect("fault knob");
    assert!(
        resp.status().is_success(),
        "fault knob answered {}",
        resp.status()
    );
}

/// Puts the lab back however the test ends: split 0, v2's fault cleared, load generator gone.
struct Restore {
    load: bool,
}

impl Drop for Restore {
    fn drop(&mut self) {
        if let Some(gw) = lab_container_any_state("gateway") {
            try_docker(&["exec", &gw, "set-canary", "0"]);
        }
        let _ = client().delete(format!("{GATEWAY}/admin/v2/fault")).send();
        if self.load {
            let _ = Command::new("bash")
                .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/stack/lab.sh"))
                .arg("load-stop")
                .output();
        }
    }
}

/// Steady traffic from the lab's own load generator, as an operator would run it.
fn start_load(dir: &Path, rate: u32) -> Restore {
    let (code, out, err) = run(dir, &["load", "start", "--rate", &rate.to_string()]);
    assert_eq!(code, 0, "load start: {out}{err}");
    Restore { load: true }
}

#[test]
fn canary_set_25_sends_a_quarter_of_2000_requests_to_v2() {
    require_lab();
    let _lab = lab_lock();
    let _restore = Restore { load: false };
    let dir = scratch("set");
    let (code, out, err) = run(&dir, &["canary", "set", "25"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("→ 25%"), "{out}");
    assert_eq!(applied(), 25);
    let http = client();
    let v2 = (0..2000)
        .filter(|_| {
            let resp = http
                .get(format!("{GATEWAY}/health"))
                .send()
                .expect("request through the gateway");
            version_of(&resp) == "v2"
        })
        .count();
    let share = v2 as f64 / 20.0;
    assert!(
        (22.0..=28.0).contains(&share),
        "expected 25% ± 3 of 2000 requests on v2, got {share:.1}% ({v2})"
    );
    let audit = audit_lines(&dir);
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["what"], "canary.set");
    assert_eq!(audit[0]["after"]["canary_percent"], 25);
    assert_eq!(audit[0]["via"], "cli");
}

#[test]
fn bad_input_is_refused_with_a_clear_message_and_the_old_split_stays() {
    require_lab();
    let _lab = lab_lock();
    let _restore = Restore { load: false };
    let dir = scratch("bad");
    set_canary(10);
    for bad in ["140", "-5", "ten"] {
        let (code, _, err) = run(&dir, &["canary", "set", bad]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("not a percentage from 0 to 100"), "{err}");
    }
    let file = dir.join("bad.toml");
    std::fs::write(&file, "[[step]]\nweight = 30\nhold = \"2 fortnights\"\n").unwrap();
    let (code, _, err) = run(&dir, &["canary", "plan", "run", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    let at = format!("{}:3:8:", file.display());
    assert!(err.contains(&at), "expected {at} in: {err}");
    let (code, _, err) = run(&dir, &["--readonly", "canary", "set", "50"]);
    assert_eq!(code, 1);
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(applied(), 10, "the old split must stay in force");
    assert!(
        audit_lines(&dir).is_empty(),
        "nothing was changed, nothing audited"
    );
}

#[test]
fn ten_shifts_during_concurrent_traffic_fail_no_request() {
    require_lab();
    let _lab = lab_lock();
    let _restore = Restore { load: false };
    let dir = scratch("shifts");
    let (sent, failed) = traffic_during(|| {
        for step in [10, 20, 30, 40, 50, 60, 70, 80, 90, 0] {
            let (code, out, err) = run(&dir, &["canary", "set", &step.to_string()]);
            assert_eq!(code, 0, "set {step}: {out}{err}");
            thread::sleep(Duration::from_millis(150));
        }
    });
    println!("{sent} requests across 10 shifts, {failed} failed");
    assert!(sent > 100, "too little traffic to judge: {sent} requests");
    assert_eq!(
        failed, 0,
        "{failed} of {sent} requests failed across 10 shifts"
    );
    assert_eq!(audit_lines(&dir).len(), 10);
}

/// Short steps, the guard read every 2 s over 15 s (three scrapes) so the test stays short.
fn write_plan(dir: &Path, steps: &[(u8, &str)]) -> PathBuf {
    let mut text = String::from("name = \"test\"\n");
    for (weight, hold) in steps {
        text.push_str(&format!("[[step]]\nweight = {weight}\nhold = \"{hold}\"\n"));
    }
    text.push_str("[guard]\ninterval = \"2s\"\nwindow = \"15s\"\nmin_v2_rps = 0.1\n");
    let file = dir.join("plan.toml");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn a_plan_with_a_healthy_v2_reaches_100_under_load() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("healthy");
    let _restore = start_load(&dir, 30);
    set_canary(0);
    let file = write_plan(&dir, &[(20, "2s"), (50, "3s"), (80, "2s")]);
    let (code, lines, took) = plan(&dir, &file, Duration::from_secs(90));
    for l in &lines {
        println!("{l}");
    }
    let last = lines.last().expect("a summary line");
    assert_eq!(code, 0, "plan did not finish: {last}");
    assert_eq!(last["result"], "done");
    assert_eq!(applied(), 100);
    // It went through every step, each in force at the gateway before it was held.
    for weight in [20, 50, 80] {
        assert!(
            lines.iter().any(|l| l["weight"] == weight
                && l["phase"] == "holding"
                && l["canary_percent"] == weight),
            "never held {weight}%"
        );
    }
    println!("plan took {took:?}");
    let whats: Vec<String> = audit_lines(&dir)
        .iter()
        .map(|l| l["what"].as_str().unwrap().to_string())
        .collect();
    for what in [
        "load.start",
        "canary.plan.start",
        "canary.plan.step",
        "canary.plan.promote",
        "canary.plan.done",
    ] {
        assert!(whats.iter().any(|w| w == what), "no {what} in {whats:?}");
    }
    // The load generator's rate is measured while it runs.
    let (code, out, _) = run(&dir, &["load", "status", "--json"]);
    assert_eq!(code, 0);
    let status: Value = serde_json::from_str(&out).expect("load status JSON");
    assert_eq!(status["state"], "running", "{status}");
    assert_eq!(status["configured_rate"], 30.0, "{status}");
    assert!(
        status["measured_rps"].as_f64().unwrap_or(0.0) > 5.0,
        "{status}"
    );
}

#[test]
fn a_plan_with_a_bad_v2_aborts_to_0_by_itself_under_load() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("bad-v2");
    let _restore = start_load(&dir, 30);
    set_canary(0);
    set_fault(0.3);
    let file = write_plan(&dir, &[(50, "60s"), (100, "0s")]);
    let (code, lines, took) = plan(&dir, &file, Duration::from_secs(90));
    for l in &lines {
        println!("{l}");
    }
    let last = lines.last().expect("a summary line");
    assert_eq!(code, 1, "the plan must fail: {last}");
    assert_eq!(last["result"], "aborted");
    let reason = last["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("guard: v2 errors"), "{reason}");
    assert_eq!(applied(), 0, "the guard must leave v1 alone in force");
    assert!(
        took < Duration::from_secs(60),
        "the guard took {took:?}, longer than the step's hold"
    );
    let audit = audit_lines(&dir);
    let abort = audit
        .iter()
        .find(|l| l["what"] == "canary.plan.guard_abort")
        .expect("a guard_abort audit line");
    assert_eq!(abort["result"], "ok");
    assert_eq!(abort["after"]["canary_percent"], 0);
    let v2_errors = abort["after"]["figures"]["v2"]["error_ratio"]
        .as_f64()
        .unwrap();
    assert!(v2_errors > 0.05, "the figures that triggered it: {abort}");
    println!(
        "aborted after {took:?} with v2 errors at {:.1}%",
        v2_errors * 100.0
    );
}

#[test]
fn canary_status_reports_the_split_the_traffic_and_a_mismatch() {
    require_lab();
    let _lab = lab_lock();
    let _restore = Restore { load: false };
    let dir = scratch("status");
    set_canary(0);
    // Traffic forced onto v2 while the split says 0%: what the gateway is told and what the
    // traffic does disagree, and status must say so.
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            thread::spawn(move || {
                let http = client();
                while !stop.load(Ordering::Relaxed) {
                    let _ = http
                        .get(format!("{GATEWAY}/stats"))
                        .header("X-Canary", "always")
                        .send();
                    thread::sleep(Duration::from_millis(20));
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(40);
    let report = loop {
        let (code, out, err) = run(&dir, &["canary", "status", "--json"]);
        let report: Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
        if code == 2 || Instant::now() > deadline {
            assert_eq!(code, 2, "no mismatch reported: {report}");
            break report;
        }
        thread::sleep(Duration::from_secs(2));
    };
    stop.store(true, Ordering::Relaxed);
    workers.into_iter().for_each(|w| w.join().unwrap());
    println!("{report}");
    assert_eq!(report["canary_percent"], 0);
    assert_eq!(report["mismatch"], true);
    assert!(
        report["observed_v2_share"].as_f64().unwrap() > 0.1,
        "{report}"
    );
    assert!(report["observed_v2_share_1m"].is_number(), "{report}");
    let (code, out, _) = run(&dir, &["canary", "status"]);
    assert_eq!(code, 2);
    assert!(out.contains("applied:  0% to v2"), "{out}");
    assert!(out.contains("MISMATCH: traffic"), "{out}");
}

/// Puts api-v2 back on the lab network (with its service name as the DNS alias).
struct Reconnect(String);

impl Drop for Reconnect {
    fn drop(&mut self) {
        try_docker(&[
            "network",
            "connect",
            "--alias",
            "api-v2",
            "driftdock_lab",
            &self.0,
        ]);
        if !restore_lab(Duration::from_secs(60)) {
            eprintln!("the lab did not come back healthy after api-v2 was reconnected");
        }
    }
}

#[test]
fn a_gateway_that_cannot_reload_keeps_the_old_split_and_says_why() {
    require_lab();
    let _lab = lab_lock();
    let _restore = Restore { load: false };
    let dir = scratch("no-reload");
    // At 0% no request is split to v2, so taking it off the network disturbs nothing; but
    // nginx -t fails while `api-v2` has no DNS entry, so no new split can be loaded.
    set_canary(0);
    let v2 = container("api-v2");
    docker(&["network", "disconnect", "driftdock_lab", &v2]);
    let reconnect = Reconnect(v2);
    let (code, out, err) = run(&dir, &["canary", "set", "30"]);
    drop(reconnect);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("the gateway refused the new split"), "{err}");
    assert!(err.contains("the split in force is 0%"), "{err}");
    assert_eq!(applied(), 0);
    let audit = audit_lines(&dir);
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0]["result"].as_str().unwrap().contains("refused"),
        "{audit:?}"
    );
    assert_eq!(audit[0]["after"]["canary_percent"], 0);
}

#[test]
fn ctrl_c_aborts_a_running_plan_to_0_before_leaving() {
    require_lab();
    let _lab = lab_lock();
    let _restore = Restore { load: false };
    let dir = scratch("sigint");
    set_canary(0);
    let file = write_plan(&dir, &[(30, "10m")]);
    let child = driftdock(&dir, &["canary", "plan", "run", file.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the plan");
    let deadline = Instant::now() + Duration::from_secs(20);
    while applied() != 30 {
        assert!(
            Instant::now() < deadline,
            "the first step never came into force"
        );
        thread::sleep(Duration::from_millis(100));
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let out = child.wait_with_output().expect("plan output");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("plan ABORTED: aborted by hand"), "{text}");
    assert_eq!(applied(), 0);
    let whats: Vec<String> = audit_lines(&dir)
        .iter()
        .map(|l| l["what"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        whats,
        ["canary.plan.start", "canary.plan.step", "canary.plan.abort"]
    );
}
