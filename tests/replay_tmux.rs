//! A run of the real control room under tmux, journaled and recorded, then replayed with no
//! Docker to reach: the replay ends on the very screen the run ended on, clock included.
//! Read-only against the lab when it is up; with it down, every source is DOWN, which is a run
//! like any other.

mod common;

use common::cast::{final_screen, parse, screen_lines};
use common::tmux::Tmux;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const W: u16 = 80;
const H: u16 = 24;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dd-replay-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The header's clock, HH:MM:SS.
fn clock(screen: &str) -> Option<String> {
    screen.lines().take(3).find_map(|l| {
        l.split_whitespace()
            .find(|w| w.len() == 8 && w.as_bytes()[2] == b':' && w.as_bytes()[5] == b':')
            .map(str::to_string)
    })
}

/// A screen that holds still: the clock just moved, and two captures agree.
fn still_screen(tui: &Tmux) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let before = clock(&tui.screen());
        tui.wait_for("the clock to move", Duration::from_secs(5), |s| {
            clock(s) != before
        });
        std::thread::sleep(Duration::from_millis(300));
        let a = tui.screen();
        std::thread::sleep(Duration::from_millis(100));
        let b = tui.screen();
        if a == b {
            return b;
        }
        assert!(Instant::now() < deadline, "the screen never held still");
    }
}

fn run_cmd(env: &str, args: &str) -> String {
    format!(
        "{env} {} {args}; echo EXIT=$?; sleep 30",
        env!("CARGO_BIN_EXE_driftdock")
    )
}

fn quote(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn a_replay_ends_on_the_screen_its_run_ended_on() {
    let d = dir("run");
    // Slow probes keep the screen still between a capture and the quitting key.
    let config = d.join("config.toml");
    std::fs::write(
        &config,
        "[intervals]\ndocker_stats = \"30s\"\nredis = \"30s\"\npostgres = \"30s\"\n\
         prometheus = \"30s\"\ngateway = \"30s\"\n",
    )
    .unwrap();
    let journal = d.join("run.jsonl");
    let live_cast = d.join("run.cast");
    let audit = d.join("audit.jsonl");
    let tui = Tmux::start(
        "replay-live",
        W,
        H,
        &run_cmd(
            &format!("DRIFTDOCK_AUDIT_LOG={}", quote(&audit)),
            &format!(
                "--readonly --config {} --journal {} --record {}",
                quote(&config),
                quote(&journal),
                quote(&live_cast)
            ),
        ),
    );
    tui.wait_for("the control room", Duration::from_secs(20), |s| {
        s.contains("Containers") && clock(s).is_some()
    });
    tui.keys(&["o"]);
    tui.keys(&["T"]);
    tui.keys(&["3"]);
    tui.wait_for("the queue tab", Duration::from_secs(5), |s| {
        s.contains("3 Queue ·")
    });
    std::thread::sleep(Duration::from_millis(1200));
    // A key still on the overlay at the end, to check the overlay's clock too.
    tui.keys(&["Tab"]);
    let live = still_screen(&tui);
    tui.keys(&["q"]);
    tui.wait_for("the run to end", Duration::from_secs(15), |s| {
        s.contains("EXIT=0")
    });
    assert!(live.contains("keys"), "the overlay is on:\n{live}");

    // No Docker to reach, no lab: the replay needs neither.
    let replay_cast = d.join("replay.cast");
    let rep = Tmux::start(
        "replay-play",
        W,
        H,
        &run_cmd(
            "DOCKER_HOST=unix:///nonexistent DRIFTDOCK_DOCKER_HOST=unix:///nonexistent \
             DRIFTDOCK_REDIS_URL=redis://127.0.0.1:9",
            &format!(
                "replay {} --speed 8 --record {}",
                quote(&journal),
                quote(&replay_cast)
            ),
        ),
    );
    let want = screen_lines(&live, H as usize);
    let waited = Instant::now();
    let mut replayed = rep.screen();
    while screen_lines(&replayed, H as usize) != want && waited.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_millis(200));
        replayed = rep.screen();
    }
    assert_eq!(
        screen_lines(&replayed, H as usize),
        want,
        "replay:\n{replayed}\nrun:\n{live}"
    );
    rep.keys(&["q"]);
    rep.wait_for("the replay to end", Duration::from_secs(10), |s| {
        s.contains("EXIT=0")
    });
    assert!(
        rep.screen().contains("driftdock: replayed"),
        "{}",
        rep.screen()
    );

    // Both recordings end on that screen too.
    for cast in [&live_cast, &replay_cast] {
        let parsed = parse(&std::fs::read_to_string(cast).unwrap());
        assert_eq!(final_screen(&parsed), want, "{}", cast.display());
    }
}

#[test]
fn a_bad_journal_is_an_error_not_a_panic() {
    let d = dir("bad");
    let bad = d.join("bad.jsonl");
    std::fs::write(&bad, "{\"journal\":1}\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_driftdock"))
        .args(["replay", &quote(&bad)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl:1:"), "{err}");
    assert!(err.contains("missing field `start`"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
