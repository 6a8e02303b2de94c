//! Chaos from the control room, as a person uses it: the real binary in tmux against the real
//! lab. A key pauses the selected worker, its row counts down, the clock undoes it; `X` undoes
//! three faults at once; a control room killed by SIGKILL with a fault in force leaves it for
//! the next start, which undoes it and says so.

mod common;

use common::chaos::{scratch, status, Restore, BIN};
use common::tmux::{row, Tmux};
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// `driftdock --config CONFIG` in tmux at 120×40, with the scratch ledger and audit log.
fn start(name: &str, dir: &Path, config: &Path) -> Tmux {
    let cmd = format!(
        "DRIFTDOCK_LEDGER={dir}/ledger.json DRIFTDOCK_AUDIT_LOG={dir}/audit.jsonl {BIN} --config {}; echo EXIT=$?; sleep 30",
        config.display(),
        dir = dir.display()
    );
    Tmux::start(&format!("chaos-{name}"), 120, 40, &cmd)
}

/// A config whose faults last `secs`.
fn config(dir: &Path, secs: u32) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, format!("[chaos]\nduration = \"{secs}s\"\n")).unwrap();
    path
}

#[test]
fn a_key_pauses_the_worker_its_row_counts_down_and_the_clock_undoes_it() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("tui-key");
    let _restore = Restore(dir.clone());
    let worker = container("worker");
    let tui = start("key", &dir, &config(&dir, 5));
    tui.wait_for("the worker row", Duration::from_secs(20), |s| {
        row(s, "worker").is_some_and(|r| r.contains("running"))
    });
    // The worker is the last row.
    tui.keys(&["G"]);
    let pressed = Instant::now();
    tui.keys(&["z"]);
    tui.wait_for("PAUSE on the worker row", Duration::from_secs(10), |s| {
        row(s, "worker").is_some_and(|r| r.contains("PAUSE"))
    });
    let paused = common::chaos::wait_until(Duration::from_secs(5), || status(&worker) == "paused");
    assert!(paused.is_some(), "the worker is not paused in Docker");
    println!("z → paused in Docker {:?} after the key", pressed.elapsed());
    let undone = tui.wait_for("the worker running again", Duration::from_secs(20), |s| {
        row(s, "worker").is_some_and(|r| r.contains("running"))
    });
    assert_eq!(status(&worker), "running");
    println!(
        "paused for 5s: running again on screen {:?} after the key",
        pressed.elapsed()
    );
    let _ = undone;
    tui.keys(&["q"]);
    tui.wait_for("the program to exit", Duration::from_secs(10), |s| {
        s.contains("EXIT=0")
    });
    let audit = common::chaos::audit_lines(&dir);
    let whats: Vec<&str> = audit.iter().map(|l| l["what"].as_str().unwrap()).collect();
    assert_eq!(whats, ["chaos.pause", "chaos.recover"], "{audit:?}");
    assert_eq!(audit[0]["via"], "tui");
}

#[test]
fn x_undoes_three_faults_at_once_and_says_which() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("tui-x");
    let _restore = Restore(dir.clone());
    let tui = start("x", &dir, &config(&dir, 60));
    tui.wait_for("the worker row", Duration::from_secs(20), |s| {
        row(s, "worker").is_some_and(|r| r.contains("running"))
    });
    for line in [
        "chaos pause worker",
        "chaos partition api-v2",
        "chaos stress api-v1 --cpu 1",
    ] {
        tui.keys(&[":", line, "Enter"]);
    }
    tui.wait_for("three faults on screen", Duration::from_secs(15), |s| {
        s.contains("PAUSE") && s.contains("NETCUT") && s.contains("STRESS")
    });
    let pressed = Instant::now();
    tui.keys(&["X"]);
    tui.wait_for("the emergency stop's toast", Duration::from_secs(20), |s| {
        s.contains("emergency stop: undid")
    });
    let took = pressed.elapsed();
    tui.wait_for("no fault on screen", Duration::from_secs(10), |s| {
        !s.contains("PAUSE") && !s.contains("NETCUT") && !s.contains("STRESS")
    });
    assert_eq!(status(&container("worker")), "running");
    let nets = docker(&[
        "inspect",
        "-f",
        "{{json .NetworkSettings.Networks}}",
        &container("api-v2"),
    ]);
    assert!(
        nets.contains("driftdock_lab"),
        "api-v2 not back on the lab network: {nets}"
    );
    println!("X undid three faults, toast after {took:?}");
    tui.keys(&["q"]);
}

#[test]
fn a_control_room_killed_with_a_fault_in_force_is_recovered_by_the_next_start() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("tui-kill");
    let _restore = Restore(dir.clone());
    let worker = container("worker");
    let cfg = config(&dir, 3);
    let tui = start("kill", &dir, &cfg);
    tui.wait_for("the worker row", Duration::from_secs(20), |s| {
        row(s, "worker").is_some_and(|r| r.contains("running"))
    });
    tui.keys(&[":", "chaos pause worker", "Enter"]);
    tui.wait_for("PAUSE on the worker row", Duration::from_secs(10), |s| {
        row(s, "worker").is_some_and(|r| r.contains("PAUSE"))
    });
    let killed = Command::new("pkill")
        .args(["-KILL", "-f", &format!("^{BIN} --config {}", cfg.display())])
        .status()
        .expect("pkill");
    assert!(killed.success());
    tui.wait_for("the program to die", Duration::from_secs(10), |s| {
        s.contains("EXIT=137")
    });
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        status(&worker),
        "paused",
        "nobody undid it: the room is dead"
    );
    let started = Instant::now();
    let again = start("again", &dir, &cfg);
    again.wait_for("the recovery toast", Duration::from_secs(20), |s| {
        s.contains("recovered overdue fault(s): pause worker")
    });
    assert_eq!(status(&worker), "running");
    println!(
        "next start recovered the paused worker in {:?}",
        started.elapsed()
    );
    again.keys(&["q"]);
}
