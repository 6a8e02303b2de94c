//! The control room as a person sees it: the real binary in tmux against the real lab, typed
//! at with send-keys and read with capture-pane.

mod common;

use common::tmux::{row, Tmux};
use common::{docker, lab_lock, require_lab, PROJECT};
use std::process::Command;
use std::time::{Duration, Instant};

/// Starts `driftdock ARGS` in tmux, followed by a line that shows its exit code and whether
/// the terminal left raw mode.
fn start(name: &str, width: u16, height: u16, args: &[&str]) -> Tmux {
    let audit =
        std::env::temp_dir().join(format!("dd-test-{name}-{}-audit.jsonl", std::process::id()));
    let cmd = format!(
        "DRIFTDOCK_AUDIT_LOG={} {} {}; echo EXIT=$?; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; sleep 30",
        audit.display(),
        env!("CARGO_BIN_EXE_driftdock"),
        args.join(" ")
    );
    Tmux::start(&format!("test-{name}"), width, height, &cmd)
}

/// The header's clock (HH:MM:SS), to tell that the screen is still being drawn.
fn clock(screen: &str) -> Option<String> {
    screen.lines().take(3).find_map(|l| {
        l.split_whitespace()
            .find(|w| w.len() == 8 && w.as_bytes()[2] == b':' && w.as_bytes()[5] == b':')
            .map(str::to_string)
    })
}

fn service_container(service: &str) -> String {
    docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=com.docker.compose.project={PROJECT}"),
        "--filter",
        &format!("label=com.docker.compose.service={service}"),
    ])
    .trim()
    .to_string()
}

fn wait_healthy(id: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let state = docker(&[
            "inspect",
            "-f",
            "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}",
            id,
        ]);
        if state.trim() == "running/healthy" {
            return;
        }
        assert!(Instant::now() < deadline, "{id} not healthy: {state}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Starts a stopped lab container again however the test ends.
struct Restart(String);
impl Drop for Restart {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["start", &self.0]).status();
        wait_healthy(&self.0);
    }
}

#[test]
fn kill_shows_through_events_and_a_decoy_never_appears() {
    require_lab();
    let _lock = lab_lock();
    let decoy = "driftdock_gateway_decoy";
    let _ = Command::new("docker").args(["rm", "-f", decoy]).output();
    docker(&[
        "run",
        "-d",
        "--name",
        decoy,
        "--label",
        "com.docker.compose.project=driftdock-decoy",
        "--label",
        "com.docker.compose.service=gateway-decoy",
        "driftdock/base:latest",
        "sleep",
        "300",
    ]);
    struct Decoy(&'static str);
    impl Drop for Decoy {
        fn drop(&mut self) {
            let _ = Command::new("docker").args(["rm", "-f", self.0]).output();
        }
    }
    let _decoy = Decoy(decoy);

    let tui = start("kill", 120, 40, &[]);
    tui.wait_for("the worker row running", Duration::from_secs(20), |s| {
        row(s, "worker").is_some_and(|r| r.contains("running"))
    });
    assert!(
        !tui.screen().contains("decoy"),
        "a container outside the project is on screen:\n{}",
        tui.screen()
    );

    let worker = service_container("worker");
    let _restart = Restart(worker.clone());
    docker(&["kill", &worker]);
    let took = tui.wait_for("the worker row exited", Duration::from_secs(10), |s| {
        row(s, "worker").is_some_and(|r| r.contains("exited"))
    });
    println!("docker kill → exited on screen: {took:?}");
    docker(&["start", &worker]);
    tui.wait_for(
        "the worker row running again",
        Duration::from_secs(30),
        |s| row(s, "worker").is_some_and(|r| r.contains("running")),
    );
    assert!(!tui.screen().contains("decoy"));

    tui.keys(&["q"]);
    tui.wait_for("the program to exit", Duration::from_secs(10), |s| {
        s.contains("EXIT=0")
    });
    // Raw mode is off again: `icanon`, not `-icanon`.
    assert!(
        tui.screen().lines().any(|l| l.trim() == "icanon"),
        "{}",
        tui.screen()
    );
}

#[test]
fn redis_down_shows_down_with_age_keeps_drawing_and_recovers() {
    require_lab();
    let _lock = lab_lock();
    let tui = start("redis", 120, 40, &[]);
    tui.wait_for(
        "the queue panel with figures",
        Duration::from_secs(20),
        |s| s.contains("Queue") && !s.contains("DOWN"),
    );

    let redis = service_container("redis");
    let _restart = Restart(redis.clone());
    docker(&["stop", &redis]);
    let took = tui.wait_for("the queue panel DOWN", Duration::from_secs(20), |s| {
        s.lines().any(|l| l.contains("Queue") && l.contains("DOWN"))
    });
    println!("redis stopped → DOWN on screen: {took:?}");
    let first = clock(&tui.screen()).expect("a clock in the header");
    std::thread::sleep(Duration::from_millis(2200));
    let screen = tui.screen();
    let second = clock(&screen).expect("a clock in the header");
    assert_ne!(first, second, "the screen stopped drawing:\n{screen}");

    docker(&["start", &redis]);
    let took = tui.wait_for("the queue panel back", Duration::from_secs(30), |s| {
        !s.lines().any(|l| l.contains("Queue") && l.contains("DOWN"))
    });
    println!("redis started → recovered on screen: {took:?}");
    tui.keys(&["q"]);
}

#[test]
fn readonly_says_so_and_small_terminals_get_tabs() {
    require_lab();
    let tui = start("ro", 80, 24, &["--readonly"]);
    tui.wait_for("the read-only badge", Duration::from_secs(20), |s| {
        s.to_uppercase().contains("READ-ONLY")
    });
    // At 80×24 the panels are tabs: `6` shows the canary alone.
    tui.keys(&["6"]);
    tui.wait_for("the canary tab", Duration::from_secs(10), |s| {
        s.contains("Canary") && !s.contains("Containers ─")
    });
    tui.keys(&["+"]);
    tui.wait_for("the refusal", Duration::from_secs(5), |s| {
        s.contains("read-only")
    });
    tui.keys(&["q"]);
    tui.wait_for("the program to exit", Duration::from_secs(10), |s| {
        s.contains("EXIT=0")
    });
}

#[test]
fn sigterm_restores_the_terminal() {
    require_lab();
    // A config file of its own (empty: the defaults) tells this process from the others.
    let config = std::env::temp_dir().join(format!("dd-term-{}.toml", std::process::id()));
    std::fs::write(&config, "# defaults\n").unwrap();
    let config = config.display().to_string();
    let tui = start("term", 100, 30, &["--config", &config]);
    tui.wait_for("the control room", Duration::from_secs(20), |s| {
        s.contains("Containers")
    });
    let status = Command::new("pkill")
        // Anchored on the binary: the tmux server's own command line holds the same words.
        .args([
            "-TERM",
            "-f",
            &format!("^{} --config {config}", env!("CARGO_BIN_EXE_driftdock")),
        ])
        .status()
        .expect("pkill");
    assert!(status.success());
    tui.wait_for("the program to exit", Duration::from_secs(10), |s| {
        s.contains("EXIT=")
    });
    assert!(
        tui.screen().lines().any(|l| l.trim() == "icanon"),
        "{}",
        tui.screen()
    );
}
