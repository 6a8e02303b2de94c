//! Chaos against the real lab through the headless twins: each fault is seen in force (Docker's
//! state, `tc qdisc show`, measured latency, lost connectivity, stress-ng running), then undone
//! at its deadline, with the ledger empty and both steps audited. Every test restores the lab
//! however it ends, and prints how long applying and undoing took.

mod common;

use common::chaos::*;
use common::*;
use std::time::{Duration, Instant};

const API_V1: &str = "http://127.0.0.1:8081";

fn took(line: &serde_json::Value) -> u64 {
    line["took_ms"].as_u64().unwrap_or_default()
}

/// One foreground fault on `service`: `seen` checks it while in force; then it must end by
/// itself at the deadline with the container running again. Returns (apply ms, undo ms).
fn fault_round(
    dir: &std::path::Path,
    args: &[&str],
    service: &str,
    seen: impl Fn(&str) -> bool,
) -> (u64, u64) {
    let mut run = Running::start(dir, args);
    let applied = run.next();
    assert_eq!(applied["event"], "applied", "{applied}");
    let id = applied["id"].as_str().unwrap().to_string();
    let container = lab_container_any_state(service).unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || seen(&container)).is_some(),
        "{args:?}: not seen in force; state {}",
        status(&container)
    );
    assert_eq!(
        ledger(dir).len(),
        1,
        "the fault is in the ledger while in force"
    );
    let recovered = run.next();
    assert_eq!(run.wait(Duration::from_secs(30)), 0, "{recovered}");
    assert_eq!(recovered["event"], "recovered", "{recovered}");
    assert_eq!(recovered["why"], "deadline");
    assert_eq!(recovered["id"], id.as_str());
    assert!(ledger(dir).is_empty(), "undone faults leave the ledger");
    let healthy = wait_until(Duration::from_secs(60), || {
        wait_healthy(&container, Duration::ZERO)
    });
    assert!(healthy.is_some(), "{service} not healthy after {args:?}");
    println!(
        "{:<40} applied in {:>4} ms, undone in {:>4} ms, healthy {:.1}s after the undo",
        args.join(" "),
        took(&applied),
        took(&recovered),
        healthy.unwrap().as_secs_f64()
    );
    (took(&applied), took(&recovered))
}

#[test]
fn kill_pause_stop_and_restart_are_in_force_then_undone_at_the_deadline() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("lifecycle");
    let _restore = Restore(dir.clone());
    let before = status(&container("worker"));
    assert_eq!(before, "running");
    fault_round(
        &dir,
        &["chaos", "kill", "worker", "--for", "3s"],
        "worker",
        |c| status(c) == "exited",
    );
    fault_round(
        &dir,
        &["chaos", "kill", "worker", "--signal", "TERM", "--for", "3s"],
        "worker",
        |c| status(c) == "exited",
    );
    fault_round(
        &dir,
        &["chaos", "pause", "worker", "--for", "3s"],
        "worker",
        |c| status(c) == "paused",
    );
    fault_round(
        &dir,
        &["chaos", "stop", "worker", "--for", "3s"],
        "worker",
        |c| status(c) == "exited",
    );
    let started = try_docker(&[
        "inspect",
        "-f",
        "{{.State.StartedAt}}",
        &container("worker"),
    ]);
    fault_round(
        &dir,
        &["chaos", "restart", "worker", "--for", "3s"],
        "worker",
        |c| try_docker(&["inspect", "-f", "{{.State.StartedAt}}", c]) != started,
    );
    let audit = audit_lines(&dir);
    let whats: Vec<&str> = audit.iter().map(|l| l["what"].as_str().unwrap()).collect();
    assert_eq!(
        whats,
        [
            "chaos.kill",
            "chaos.recover",
            "chaos.kill",
            "chaos.recover",
            "chaos.pause",
            "chaos.recover",
            "chaos.stop",
            "chaos.recover",
            "chaos.restart",
            "chaos.recover"
        ]
    );
    assert!(audit.iter().all(|l| l["result"] == "ok"), "{audit:?}");
    assert_eq!(audit[2]["after"]["fault"]["fault"]["signal"], "SIGTERM");
}

fn median_ms(http: &reqwest::blocking::Client, n: usize) -> f64 {
    let mut v: Vec<f64> = (0..n)
        .filter_map(|_| {
            let t = Instant::now();
            let ok = http
                .get(format!("{API_V1}/health"))
                .send()
                .is_ok_and(|r| r.status().is_success());
            ok.then(|| t.elapsed().as_secs_f64() * 1000.0)
        })
        .collect();
    assert!(v.len() * 2 > n, "api-v1 answered {} of {n}", v.len());
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn latency_on_api_v1_shows_in_tc_and_in_measured_requests_then_goes() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("latency");
    let _restore = Restore(dir.clone());
    // A fresh connection per request, so each one pays the delay of its handshake too.
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let base = median_ms(&http, 10);
    let api = container("api-v1");
    let mut run = Running::start(
        &dir,
        &[
            "chaos", "latency", "api-v1", "300ms", "--jitter", "20ms", "--for", "10s",
        ],
    );
    let applied = run.next();
    let error = applied["error"].as_str().unwrap_or_default();
    if error.contains("no netem qdisc") {
        // A kernel built without netem: refused with its reason, and nothing left behind.
        assert_eq!(run.wait(Duration::from_secs(10)), 1);
        let qdisc = docker(&["exec", &api, "tc", "qdisc", "show", "dev", "eth0"]);
        assert!(!qdisc.contains("netem"), "{qdisc}");
        assert!(
            ledger(&dir).is_empty(),
            "a refused fault leaves no ledger entry"
        );
        let audit = audit_lines(&dir);
        assert_eq!(audit.len(), 1);
        assert!(audit[0]["result"].as_str().unwrap().contains("no netem"));
        println!("SKIPPED the measured delay: {error}");
        return;
    }
    assert_eq!(applied["event"], "applied", "{applied}");
    let qdisc = docker(&["exec", &api, "tc", "qdisc", "show", "dev", "eth0"]);
    assert!(
        qdisc.contains("netem") && qdisc.contains("delay 300"),
        "{qdisc}"
    );
    let slow = median_ms(&http, 8);
    let recovered = run.next();
    assert_eq!(run.wait(Duration::from_secs(30)), 0, "{recovered}");
    let qdisc = docker(&["exec", &api, "tc", "qdisc", "show", "dev", "eth0"]);
    assert!(!qdisc.contains("netem"), "netem left behind: {qdisc}");
    let after = median_ms(&http, 10);
    println!(
        "api-v1 /health median: {base:.1} ms before, {slow:.1} ms with 300ms±20ms netem, {after:.1} ms after; applied in {} ms, undone in {} ms",
        took(&applied),
        took(&recovered)
    );
    assert!(
        slow >= base + 250.0,
        "the delay did not show: {base:.1} → {slow:.1} ms"
    );
    assert!(after < base + 100.0, "the delay did not go: {after:.1} ms");
    assert!(ledger(&dir).is_empty());
}

/// Whether the gateway's container reaches `host:port` on the lab network by name.
fn reaches(host_port: &str) -> bool {
    let gw = container("gateway");
    try_docker(&[
        "exec",
        &gw,
        "curl",
        "-fsS",
        "-m",
        "2",
        "-o",
        "/dev/null",
        &format!("http://{host_port}/metrics"),
    ])
    .is_some()
}

#[test]
fn a_partition_cuts_the_worker_off_and_it_comes_back_under_its_name() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("partition");
    let _restore = Restore(dir.clone());
    assert!(
        reaches("worker:9100"),
        "the worker is not reachable to begin with"
    );
    let (apply, undo) = fault_round(
        &dir,
        &["chaos", "partition", "worker", "--for", "4s"],
        "worker",
        |_| !reaches("worker:9100"),
    );
    let back = wait_until(Duration::from_secs(10), || reaches("worker:9100"));
    assert!(
        back.is_some(),
        "worker:9100 unreachable by name after the partition"
    );
    println!("partition: applied {apply} ms, undone {undo} ms, reachable by name {back:?} later");
}

#[test]
fn api_v1_killed_and_started_again_is_reached_through_the_gateway() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("api-kill");
    let _restore = Restore(dir.clone());
    assert!(gateway_reaches_v1());
    fault_round(
        &dir,
        &["chaos", "kill", "api-v1", "--for", "3s"],
        "api-v1",
        |c| status(c) == "exited",
    );
    let back = wait_until(Duration::from_secs(20), gateway_reaches_v1);
    assert!(
        back.is_some(),
        "the gateway still routes to api-v1's old address"
    );
    println!("gateway → api-v1 again {back:?} after it was healthy");
}

#[test]
fn stress_runs_stress_ng_in_the_target_until_the_undo() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("stress");
    let _restore = Restore(dir.clone());
    let running = |c: &str| try_docker(&["exec", c, "pgrep", "stress-ng"]).is_some();
    fault_round(
        &dir,
        &[
            "chaos", "stress", "worker", "--cpu", "1", "--mem", "64M", "--for", "4s",
        ],
        "worker",
        running,
    );
    assert!(!running(&container("worker")), "stress-ng left running");
}
