//! The recovery ledger and the blast radius against the real lab: the emergency stop undoes
//! several faults at once, a runner killed by SIGKILL leaves its fault for the next start (or
//! `chaos recover`) to undo, a look-alike container outside the project is never touched, and
//! bad input leaves nothing behind. Every test restores the lab however it ends.

mod common;

use common::chaos::*;
use common::*;
use std::time::{Duration, Instant};

#[test]
fn the_emergency_stop_undoes_three_faults_at_once() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("stop-all");
    let _restore = Restore(dir.clone());
    for args in [
        &["chaos", "pause", "worker", "--for", "60s", "--detach"][..],
        &["chaos", "partition", "api-v2", "--for", "60s", "--detach"],
        &[
            "chaos", "stress", "api-v1", "--cpu", "1", "--for", "60s", "--detach",
        ],
    ] {
        let (code, out, err) = run(&dir, args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
    }
    assert_eq!(ledger(&dir).len(), 3);
    assert_eq!(status(&container("worker")), "paused");
    let started = Instant::now();
    let (code, out, err) = run(&dir, &["chaos", "stop-all", "--json"]);
    let took = started.elapsed();
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["undone"].as_array().unwrap().len(), 3, "{report}");
    assert!(ledger(&dir).is_empty());
    assert_eq!(status(&container("worker")), "running");
    let nets = docker(&[
        "inspect",
        "-f",
        "{{json .NetworkSettings.Networks}}",
        &container("api-v2"),
    ]);
    assert!(
        nets.contains(NETWORK),
        "api-v2 not back on the lab network: {nets}"
    );
    assert!(try_docker(&["exec", &container("api-v1"), "pgrep", "stress-ng"]).is_none());
    println!("emergency stop undid 3 faults in {took:?}");
}

#[test]
fn a_runner_killed_by_sigkill_leaves_its_fault_for_the_next_start_to_undo() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("sigkill");
    let _restore = Restore(dir.clone());
    let worker = container("worker");

    // Overdue: any next start undoes it, and says so on stderr.
    let mut runner = Running::start(&dir, &["chaos", "pause", "worker", "--for", "2s"]);
    assert_eq!(runner.next()["event"], "applied");
    runner.child.kill().unwrap();
    runner.wait(Duration::from_secs(5));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        status(&worker),
        "paused",
        "nobody undid it: the runner is dead"
    );
    let started = Instant::now();
    let (code, out, err) = run(&dir, &["chaos", "list"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("recovered overdue fault(s): pause worker"),
        "{err}"
    );
    assert_eq!(status(&worker), "running");
    assert!(out.contains("no fault in force"), "{out}");
    println!(
        "overdue fault undone at the next start in {:?}",
        started.elapsed()
    );

    // Not yet due, but its owner is gone: `chaos recover` undoes it now.
    let mut runner = Running::start(&dir, &["chaos", "pause", "worker", "--for", "60s"]);
    assert_eq!(runner.next()["event"], "applied");
    runner.child.kill().unwrap();
    runner.wait(Duration::from_secs(5));
    assert_eq!(status(&worker), "paused");
    let (code, out, err) = run(&dir, &["chaos", "recover"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("recovered pause worker"), "{out}");
    assert_eq!(status(&worker), "running");
    assert!(ledger(&dir).is_empty());

    // Detached with a future deadline: `recover` leaves it, stop-all does not.
    let (code, ..) = run(
        &dir,
        &["chaos", "pause", "worker", "--for", "60s", "--detach"],
    );
    assert_eq!(code, 0);
    let (_, out, _) = run(&dir, &["chaos", "recover"]);
    assert!(out.contains("recovered nothing"), "{out}");
    assert_eq!(status(&worker), "paused");
    let (code, out, _) = run(&dir, &["chaos", "stop-all"]);
    assert_eq!(code, 0);
    assert!(out.contains("undid pause worker"), "{out}");
    assert_eq!(status(&worker), "running");
}

/// A container outside the project whose name and service label look like the worker's.
struct Decoy(String);

impl Decoy {
    fn start() -> Decoy {
        let name = "driftdock_worker_decoy".to_string();
        let _ = try_docker(&["rm", "-f", &name]);
        let image = docker(&["inspect", "-f", "{{.Config.Image}}", &container("worker")]);
        docker(&[
            "run",
            "-d",
            "--name",
            &name,
            "--label",
            "com.docker.compose.project=driftdock-decoy",
            "--label",
            "com.docker.compose.service=worker",
            "--cap-add",
            "NET_ADMIN",
            "--entrypoint",
            "sleep",
            image.trim(),
            "600",
        ]);
        Decoy(name)
    }
}

impl Drop for Decoy {
    fn drop(&mut self) {
        try_docker(&["rm", "-f", &self.0]);
    }
}

#[test]
fn a_look_alike_outside_the_project_is_never_touched() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("decoy");
    let _restore = Restore(dir.clone());
    let decoy = Decoy::start();
    let started = docker(&["inspect", "-f", "{{.State.StartedAt}}", &decoy.0]);
    for name in ["driftdock_worker_decoy", "worker_decoy", "worker-decoy"] {
        let (code, _, err) = run(&dir, &["chaos", "kill", name, "--for", "2s"]);
        assert_eq!(code, 1, "{name}: {err}");
        assert!(err.contains("no service"), "{err}");
    }
    let mut runner = Running::start(&dir, &["chaos", "pause", "worker", "--for", "2s"]);
    let applied = runner.next();
    assert_eq!(applied["container"], "driftdock_worker_1", "{applied}");
    assert_eq!(status(&decoy.0), "running", "the decoy was paused");
    assert_eq!(runner.wait(Duration::from_secs(20)), 0);
    assert_eq!(status(&decoy.0), "running");
    assert_eq!(
        docker(&["inspect", "-f", "{{.State.StartedAt}}", &decoy.0]),
        started
    );
}

#[test]
fn bad_input_is_refused_clearly_and_leaves_nothing_behind() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("bad");
    let _restore = Restore(dir.clone());
    let (code, _, err) = run(&dir, &["chaos", "kill", "nosuch"]);
    assert_eq!(code, 1);
    assert!(err.contains("no service `nosuch` in the lab"), "{err}");
    let (code, _, err) = run(&dir, &["chaos", "pause", "worker", "--for", "soon"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a duration"), "{err}");
    let (code, _, err) = run(&dir, &["chaos", "latency", "redis", "300ms"]);
    assert_eq!(code, 1);
    assert!(err.contains("no NET_ADMIN"), "{err}");
    let (code, _, err) = run(&dir, &["--readonly", "chaos", "pause", "worker"]);
    assert_eq!(code, 1);
    assert!(err.contains("read-only"), "{err}");
    assert!(
        ledger(&dir).is_empty(),
        "a refused fault leaves no ledger entry"
    );
    // One fault per target.
    let (code, ..) = run(
        &dir,
        &["chaos", "pause", "worker", "--for", "30s", "--detach"],
    );
    assert_eq!(code, 0);
    let (code, _, err) = run(&dir, &["chaos", "kill", "worker"]);
    assert_eq!(code, 1);
    assert!(err.contains("already active on worker"), "{err}");
    assert_eq!(
        status(&container("worker")),
        "paused",
        "the second fault was not applied"
    );
    assert_eq!(ledger(&dir).len(), 1);
    let (code, ..) = run(&dir, &["chaos", "stop-all"]);
    assert_eq!(code, 0);
    let audit = audit_lines(&dir);
    let refused: Vec<_> = audit.iter().filter(|l| l["result"] != "ok").collect();
    assert_eq!(refused.len(), 3, "{audit:?}");
}

#[test]
fn random_kills_a_critical_service_and_the_lab_comes_back() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("random");
    let _restore = Restore(dir.clone());
    let mut runner = Running::start(&dir, &["chaos", "random", "--for", "3s"]);
    let applied = runner.next();
    let service = applied["service"].as_str().unwrap().to_string();
    assert!(
        ["gateway", "api-v1", "api-v2", "worker", "redis", "postgres"].contains(&service.as_str()),
        "{applied}"
    );
    assert_eq!(runner.wait(Duration::from_secs(30)), 0);
    let back = wait_until(Duration::from_secs(60), || {
        lab_container_any_state(&service).is_some_and(|c| wait_healthy(&c, Duration::ZERO))
    });
    assert!(back.is_some(), "{service} did not come back healthy");
    println!("random: killed {service}, healthy {back:?} after the undo");
}

#[test]
fn a_canary_change_while_api_v2_is_cut_off_says_it_is_the_chaos() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("canary");
    let _restore = Restore(dir.clone());
    set_canary(0);
    let (code, out, err) = run(
        &dir,
        &["chaos", "partition", "api-v2", "--for", "60s", "--detach"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(&dir, &["canary", "set", "30"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the gateway refused the new split"), "{err}");
    assert!(err.contains("chaos: partition api-v2"), "{err}");
    assert!(err.contains("the split in force is 0%"), "{err}");
    let (code, ..) = run(&dir, &["chaos", "stop-all"]);
    assert_eq!(code, 0);
    // Back under its name, the split can change again.
    let (code, out, err) = run(&dir, &["canary", "set", "0"]);
    assert_eq!(code, 0, "{out}{err}");
}
