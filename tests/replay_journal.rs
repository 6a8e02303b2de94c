//! Journals and their replay, without a terminal: messages survive the round trip, a bad
//! file is reported as `file:line:column`, and a replay reaches the State the run reached.

use driftdock::app::fixture::t0;
use driftdock::app::msg::{
    CanaryIntent, ContainerEvent, EffectOutcome, FaultEvent, FaultView, Reading, Sample, Source,
};
use driftdock::app::start::Start;
use driftdock::app::state::Thresholds;
use driftdock::app::{update, Msg, State};
use driftdock::record::journal::{self, JournalWriter};
use driftdock::record::redact::Redactor;
use driftdock::replay::Player;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;

fn start() -> Start {
    Start {
        at: t0(),
        lab_name: "DriftDock lab".into(),
        project: "driftdock".into(),
        readonly: true,
        intervals_ms: [2000, 1000, 2000, 5000, 2000],
        canary_step: 5,
        plan: None,
        load_rate: 10,
        chaos_duration: std::time::Duration::from_secs(15),
        thresholds: Thresholds::default(),
        show_keys: true,
        presenter: false,
        utc_offset_secs: 0,
    }
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn secs(n: i64) -> chrono::DateTime<chrono::Utc> {
    t0() + chrono::Duration::seconds(n)
}

/// A little of everything a run is fed.
fn messages() -> Vec<Msg> {
    let info = driftdock::app::msg::ContainerInfo {
        id: "abc".into(),
        name: "driftdock-worker-1".into(),
        service: "worker".into(),
        state: "running".into(),
        health: Some("healthy".into()),
        started_at: Some(t0()),
        restarts: 0,
        exit_code: None,
    };
    vec![
        Msg::Resize(100, 30),
        Msg::Sample(Sample::ok(secs(0), Reading::Containers(vec![info.clone()]))),
        Msg::Sample(Sample::ok(
            secs(0),
            Reading::Queue {
                depth: 7,
                processing: 1,
            },
        )),
        Msg::Sample(Sample::err(Source::Postgres, secs(0), "connection refused")),
        Msg::Logs {
            container_id: "abc".into(),
            lines: vec!["INFO started".into()],
        },
        Msg::Tick(secs(1)),
        key('o'),
        key('3'),
        Msg::ContainerEvent(ContainerEvent {
            at: secs(1),
            id: "abc".into(),
            action: "pause".into(),
            info: Some(driftdock::app::msg::ContainerInfo {
                state: "paused".into(),
                ..info
            }),
        }),
        Msg::Effect {
            name: "canary".into(),
            at: secs(1),
            outcome: EffectOutcome::Done("split 5%".into()),
        },
        Msg::Canary(CanaryIntent::Promote),
        Msg::Fault(FaultEvent::Active(FaultView {
            id: "f1".into(),
            service: "worker".into(),
            container_id: "abc".into(),
            what: "pause".into(),
            deadline: secs(16),
        })),
        Msg::Fault(FaultEvent::Cleared { id: "f1".into() }),
        Msg::Backup(driftdock::app::backups::BackupEvent::Progress(
            driftdock::app::backup::Progress {
                op: "backup".into(),
                phase: "dumping".into(),
                bytes: 4096,
                total: None,
                elapsed_ms: 120,
            },
        )),
        Msg::Tick(secs(2)),
        key('j'),
    ]
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dd-journal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn write(path: &std::path::Path, msgs: &[Msg], redactor: Redactor) {
    let mut w = JournalWriter::create(path, &start(), false, redactor).unwrap();
    for m in msgs {
        w.write(m);
    }
    w.finish().unwrap();
}

#[test]
fn every_kind_of_message_survives_the_round_trip() {
    for msg in messages() {
        let text = serde_json::to_string(&msg).unwrap();
        let back: Msg = serde_json::from_str(&text).unwrap();
        assert_eq!(back, msg, "{text}");
    }
}

#[test]
fn a_replay_reaches_the_state_the_run_reached() {
    let path = temp("run.jsonl");
    write(&path, &messages(), Redactor::default());
    let journal = journal::read(&path).unwrap();
    assert_eq!(journal.start, start());
    assert_eq!(journal.entries.len(), messages().len());

    let mut live = start().state();
    let mut commands = 0;
    for m in messages() {
        commands += update(&mut live, m).len();
    }
    let mut player = Player::new(journal);
    player.finish();
    assert_eq!(player.state, live);
    assert_eq!(player.summary.replayed, messages().len());
    assert_eq!(player.summary.not_executed, commands);
    assert!(commands > 0, "the promote and the logs asked for effects");
}

#[test]
fn the_quitting_key_leaves_the_screen_the_run_last_drew() {
    let path = temp("quit.jsonl");
    let mut msgs = messages();
    msgs.push(key('q'));
    msgs.push(Msg::Tick(secs(9)));
    write(&path, &msgs, Redactor::default());
    let mut player = Player::new(journal::read(&path).unwrap());
    player.finish();
    let mut before: State = start().state();
    for m in messages() {
        update(&mut before, m);
    }
    assert_eq!(player.screen(), &before);
    assert!(player.done());
    assert_eq!(
        player.summary.replayed,
        msgs.len() - 1,
        "nothing after the quit"
    );
}

#[test]
fn passwords_stay_out_of_the_journal() {
    let path = temp("secret.jsonl");
    let msgs = vec![Msg::Sample(Sample::err(
        Source::Postgres,
        t0(),
        "postgres://u:pg-Hush-77@db/x refused; also pg-Hush-77",
    ))];
    write(&path, &msgs, Redactor::new(["pg-Hush-77".to_string()]));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("Hush"), "{text}");
    journal::read(&path).expect("still a valid journal");
}

fn parse_err(text: &str) -> String {
    format!("{:#}", journal::parse(text, "j.jsonl").unwrap_err())
}

#[test]
fn a_bad_file_says_where_and_what_was_expected() {
    let header = {
        let path = temp("h.jsonl");
        write(&path, &[], Redactor::default());
        std::fs::read_to_string(&path).unwrap()
    };
    assert!(parse_err("").starts_with("j.jsonl:1: expected a journal header"));
    let e = parse_err("{\"nope\": 1}\n");
    assert!(e.starts_with("j.jsonl:1:"), "{e}");
    assert!(e.contains("expected a journal header"), "{e}");
    let e = parse_err(&header.replace("\"journal\":1", "\"journal\":9"));
    assert_eq!(e, "j.jsonl:1: expected journal version 1, found 9");

    let e = parse_err(&format!("{header}{{\"t\":0.1,\"msg\":{{\"tick\":\"2026-12-04T10:00:01Z\"}}}}\n{{\"t\":0.2,\"msg\":{{\"teleport\":1}}}}\n"));
    assert!(e.starts_with("j.jsonl:3:"), "{e}");
    assert!(
        e.contains("unknown variant `teleport`, expected one of"),
        "{e}"
    );
    assert!(!e.contains(" at line "), "{e}");

    let e = parse_err(&format!(
        "{header}{{\"t\":2.0,\"msg\":{{\"resize\":[80,24]}}}}\n{{\"t\":1.0,\"msg\":{{\"resize\":[80,24]}}}}\n"
    ));
    assert!(
        e.starts_with("j.jsonl:3: expected a time `t` of at least 2"),
        "{e}"
    );

    let e = parse_err(&format!(
        "{header}{{\"t\":1.0,\"msg\":{{\"resize\":[80]}}}}\n"
    ));
    assert!(e.starts_with("j.jsonl:2:"), "{e}");
}

#[test]
fn a_last_line_cut_off_by_a_crash_is_left_out() {
    let path = temp("cut.jsonl");
    write(&path, &messages(), Redactor::default());
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = &text[..text.len() - 10];
    let journal = journal::parse(cut, "cut.jsonl").unwrap();
    assert!(journal.cut_off);
    assert_eq!(journal.entries.len(), messages().len() - 1);
}
