//! Demo tapes: the shipped ones are valid, a bad one is refused with its line, and tapes
//! really play the control room: the read-only tour end to end (its cast read back through a
//! terminal emulator), a failing Expect, and typed text taken from what the screen showed.

mod common;

use common::cast::{final_screen, parse};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SHIPPED: &[&str] = &[
    "tour",
    "worker-crash",
    "bad-canary",
    "redis-partition",
    "pitr",
];

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_driftdock"))
}

fn demos() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demos")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dd-demo-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn run(args: &[&str], dir: &Path) -> Output {
    bin()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("driftdock")
}

#[test]
fn every_shipped_tape_passes_check() {
    let mut found: Vec<String> = std::fs::read_dir(demos())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tape"))
        .collect();
    found.sort();
    for name in SHIPPED {
        assert!(
            found.contains(&format!("{name}.tape")),
            "{name}.tape: {found:?}"
        );
    }
    let paths: Vec<PathBuf> = found.iter().map(|n| demos().join(n)).collect();
    let out = bin().args(["demo", "check"]).args(&paths).output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout).matches(": ok: ").count(), found.len());
    // Lab-changing tapes say so by not being read-only; the tour is read-only.
    let tour = std::fs::read_to_string(demos().join("tour.tape")).unwrap();
    let tour = driftdock::demo::tape::parse(&tour).unwrap();
    assert!(tour.args.iter().any(|a| a == "--readonly"));
}

#[test]
fn a_bad_tape_is_refused_with_its_line_and_exit_2() {
    let dir = temp("bad");
    std::fs::write(
        dir.join("bad.tape"),
        "# a comment\nOutput bad.cast\nSleep forever\nKey Hyper\n",
    )
    .unwrap();
    for verb in ["check", "run"] {
        let out = run(&["demo", verb, "bad.tape"], &dir);
        assert_eq!(out.status.code(), Some(2), "{verb}");
        let all = text(&out.stdout) + &text(&out.stderr);
        assert!(
            all.contains("bad.tape:3: expected a duration like 2s"),
            "{all}"
        );
        assert!(
            all.contains("bad.tape:4: expected a key after Key"),
            "{all}"
        );
    }
    assert!(!dir.join("bad.cast").exists(), "nothing was run");
    let out = run(&["demo", "check", "missing.tape"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).contains("missing.tape: cannot read"));
}

/// The tour against the lab as it is (a lab that is down only turns the sources DOWN): the
/// run passes, and the recording driftdock wrote ends on a screen with what the tape expected.
#[test]
fn the_read_only_tour_plays_and_its_cast_ends_on_what_it_expected() {
    let dir = temp("tour");
    let tape = demos().join("tour.tape");
    let out = run(&["demo", "run", tape.to_str().unwrap(), "--dir", "."], &dir);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("tour.tape: passed in"), "{stdout}");
    // Every step was played, in order, each named by its line.
    assert!(stderr.contains("tour.tape:10 Wait /Containers"), "{stderr}");
    assert!(stderr.contains("Screenshot tour.txt"), "{stderr}");

    let cast = parse(&std::fs::read_to_string(dir.join("tour.cast")).unwrap());
    assert_eq!(cast.header["width"], 120);
    assert_eq!(cast.header["height"], 40);
    assert!(cast.events.len() > 20, "{} events", cast.events.len());
    let secs = cast.events.last().unwrap().0;
    assert!(
        secs > 15.0,
        "the tape sleeps for over 15s; the cast lasts {secs}s"
    );
    let screen = final_screen(&cast).join("\n");
    for want in ["READ-ONLY", "┏ 1 Containers (", "read-only"] {
        assert!(screen.contains(want), "{want}:\n{screen}");
    }
    // The refusal the tape waited for was drawn on the way.
    let all: String = cast.events.iter().map(|e| e.2.as_str()).collect();
    assert!(all.contains("read-only: `K`"), "no refusal in the cast");
    let shot = std::fs::read_to_string(dir.join("tour.txt")).unwrap();
    assert_eq!(shot.lines().count(), 40);
    assert!(shot.contains("Containers ("), "{shot}");
}

#[test]
fn a_failing_expect_exits_1_naming_its_line_and_showing_the_screen() {
    let dir = temp("fail");
    std::fs::write(
        dir.join("fail.tape"),
        "Args --readonly\nSet TypingSpeed 10ms\n\nWait /Containers/ timeout 20s\n\
         Expect /no such words on any screen/\nKey 3\n\
         Cleanup\nIf /Containers/ Screenshot after.txt\nIf /no such words/ Screenshot never.txt\n",
    )
    .unwrap();
    let out = run(&["demo", "run", "fail.tape"], &dir);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("fail.tape:5: expected /no such words on any screen/; the screen:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("│ ") && stderr.contains("Containers"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("fail.tape:6"),
        "a step after the failure ran"
    );
    assert!(stdout.contains("fail.tape: FAILED"), "{stdout}");
    // Cleanup ran after the failure, and its If played only what matched.
    assert!(dir.join("after.txt").exists(), "{stderr}");
    assert!(!dir.join("never.txt").exists());
    // The run up to the failure is recorded, by default beside the tape's name.
    let cast = parse(&std::fs::read_to_string(dir.join("fail.cast")).unwrap());
    assert!(!cast.events.is_empty());
    // An existing recording is kept unless --overwrite.
    let again = run(&["demo", "run", "fail.tape"], &dir);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("--overwrite"));
}

#[test]
fn typed_text_can_carry_what_the_screen_showed() {
    let dir = temp("groups");
    std::fs::write(
        dir.join("groups.tape"),
        "Output out/groups.cast\nArgs --readonly\nSet TypingSpeed 20ms\n\
         Wait /Containers \\((\\d+)\\)/ timeout 20s\nKey /\nType \"x$1$$\"\nKey Enter\n\
         Wait /filter \\/x\\d+\\$/\n",
    )
    .unwrap();
    let out = run(&["demo", "run", "groups.tape", "--json"], &dir);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["passed"], true, "{v}");
    assert_eq!(v["exit_code"], 0, "{v}");
    assert!(v["failure"].is_null(), "{v}");
    assert!(v["events"].as_u64().unwrap() > 0, "{v}");
    assert!(dir.join("out/groups.cast").exists());
}
