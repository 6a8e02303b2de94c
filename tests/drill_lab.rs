//! A short drill run end to end against the real lab with `driftdock drill run`: the worker
//! paused for a few seconds, detected, recovered, scored, reported, its fault out of the
//! ledger. Bounded to about a minute. And `drill check`'s exit codes, which need no lab.

mod common;

use common::chaos::{audit_lines, ledger, run, scratch};
use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

const SHORT: &str = r#"
title = "Worker paused"
briefing = "The worker stops taking jobs for 6 seconds."

[hypothesis]
steady_within = "30s"
recover_within = "30s"

[[hypothesis.check]]
name = "worker running"
figure = "up.worker"
equals = 1

[[method]]
name = "pause the worker"
kind = "chaos"
fault = "pause"
service = "worker"
duration = "6s"

[[method]]
name = "worker back"
kind = "await"
check = { figure = "up.worker", equals = 1 }
timeout = "30s"

[[objective]]
name = "worker back within 20s"
check = { figure = "up.worker", equals = 1 }
within = "20s"
recovers = true

[[rollback]]
kind = "chaos-stop-all"
"#;

#[test]
fn a_short_drill_runs_end_to_end_and_leaves_a_report() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("drill-e2e");
    let file = dir.join("short.toml");
    std::fs::write(&file, SHORT).unwrap();
    let report = dir.join("short.md");
    let started = Instant::now();
    let (code, out, err) = run(
        &dir,
        &[
            "drill",
            "run",
            file.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    println!("{out}{err}took {:.1}s", started.elapsed().as_secs_f64());
    let restored = restore_lab(Duration::from_secs(60));
    assert_eq!(code, 0, "the hypothesis held: {out}{err}");
    assert!(started.elapsed() < Duration::from_secs(90));

    let journal: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("short.json")).unwrap()).unwrap();
    let score = &journal["score"];
    assert_eq!(score["held"], true, "{score}");
    let detect = score["time_to_detect_secs"].as_f64().expect("detected");
    let recover = score["time_to_recover_secs"].as_f64().expect("recovered");
    assert!(
        detect < 5.0,
        "a paused worker is seen within seconds ({detect}s)"
    );
    assert!(
        (3.0..30.0).contains(&recover),
        "back after its 6s ({recover}s)"
    );
    assert_eq!(
        (
            score["objectives_met"].as_u64(),
            score["objectives"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let events = journal["events"].as_array().unwrap();
    for kind in ["fault", "detected", "recovered", "rollback"] {
        assert!(
            events.iter().any(|e| e["kind"] == kind),
            "no {kind} in {events:?}"
        );
    }
    assert!(
        events.iter().all(|e| e["figures"].is_array()),
        "each event has its figures"
    );

    let md = std::fs::read_to_string(&report).unwrap();
    for part in [
        "# Drill: Worker paused",
        "hypothesis held",
        "## Timeline",
        "## Figures",
        "| up.worker |",
    ] {
        assert!(md.contains(part), "no `{part}` in the report:\n{md}");
    }
    assert!(
        ledger(&dir).is_empty(),
        "the fault is undone and out of the ledger"
    );
    assert!(audit_lines(&dir)
        .iter()
        .any(|l| l["what"].as_str().is_some_and(|w| w.starts_with("chaos"))));
    assert!(restored, "the lab is healthy after");
}

#[test]
fn drill_check_exits_0_on_good_files_and_2_with_the_line_on_a_bad_one() {
    let dir = scratch("drill-check");
    let (code, out, err) = run(
        &dir,
        &[
            "drill",
            "check",
            "assets/drills/worker-crash.toml",
            "assets/drills/pitr-bad-write.toml",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.lines().filter(|l| l.contains(": ok")).count(),
        2,
        "{out}"
    );
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        SHORT
            .replace("kind = \"pause\"", "kind = \"chaos\"")
            .replace("fault = \"pause\"", "fault = \"melt\""),
    )
    .unwrap();
    let (code, _, err) = run(&dir, &["drill", "check", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.toml:14:1: method step 1: unknown fault `melt`"),
        "{err}"
    );
    let (code, _, err) = run(&dir, &["drill", "run", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "a bad file is not run: {err}");
}
