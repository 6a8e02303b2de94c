//! Chaos in update() as plain Rust: keys and `:chaos` lines ask for faults, the clock undoes
//! each at its deadline, the emergency stop undoes all, and the rows show the countdown.

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use driftdock::app::chaos::badge;
use driftdock::app::fault::{FaultKind, FaultSpec};
use driftdock::app::msg::{ContainerInfo, FaultEvent, FaultView, Reading, Sample};
use driftdock::app::{update, Command, Msg, State};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap()
}

fn secs(n: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(n)
}

fn key(c: char) -> Msg {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Msg::Key(KeyEvent::new(KeyCode::Char(c), mods))
}

fn container(id: &str, service: &str) -> ContainerInfo {
    ContainerInfo {
        id: id.into(),
        name: format!("driftdock_{service}_1"),
        service: service.into(),
        state: "running".into(),
        ..Default::default()
    }
}

/// A control room on three containers, `worker` selected.
fn state() -> State {
    let mut s = State::new("lab", "driftdock", t0(), [Duration::seconds(2); 5]);
    update(
        &mut s,
        Msg::Sample(Sample::ok(
            t0(),
            Reading::Containers(vec![
                container("c1", "api-v1"),
                container("c2", "redis"),
                container("c3", "worker"),
            ]),
        )),
    );
    s.selected = 2;
    s
}

fn active(id: &str, container: &str, service: &str, what: &str, until: i64) -> Msg {
    Msg::Fault(FaultEvent::Active(FaultView {
        id: id.into(),
        service: service.into(),
        container_id: container.into(),
        what: what.into(),
        deadline: secs(until),
    }))
}

fn chaos(cmds: &[Command]) -> Vec<&Command> {
    cmds.iter()
        .filter(|c| !matches!(c, Command::FollowLogs(_)))
        .collect()
}

#[test]
fn a_key_asks_for_its_fault_on_the_selected_container_for_the_configured_time() {
    let mut s = state();
    s.chaos.duration = std::time::Duration::from_secs(20);
    let cmds = update(&mut s, key('z'));
    assert_eq!(
        chaos(&cmds),
        [&Command::ChaosApply(FaultSpec {
            service: "worker".into(),
            kind: FaultKind::Pause,
            duration: std::time::Duration::from_secs(20),
        })]
    );
    for (c, name) in [
        ('K', "kill"),
        ('S', "stop"),
        ('R', "restart"),
        ('N', "partition"),
    ] {
        let cmds = update(&mut s, key(c));
        let [Command::ChaosApply(spec)] = chaos(&cmds)[..] else {
            panic!("{c}: {cmds:?}");
        };
        assert_eq!(spec.kind.name(), name);
    }
    let cmds = update(&mut s, key('D'));
    assert!(matches!(
        chaos(&cmds)[..],
        [Command::ChaosApply(FaultSpec {
            kind: FaultKind::Latency { delay_ms: 300, .. },
            ..
        })]
    ));
    let cmds = update(&mut s, key('!'));
    let [Command::ChaosApply(spec)] = chaos(&cmds)[..] else {
        panic!("{cmds:?}");
    };
    assert!(driftdock::app::fault::CRITICAL.contains(&spec.service.as_str()));
}

#[test]
fn the_row_counts_down_and_the_clock_undoes_the_fault_at_its_deadline_once() {
    let mut s = state();
    update(&mut s, active("f1", "c3", "worker", "pause", 15));
    update(&mut s, Msg::Tick(secs(3)));
    let f = s.chaos.on("c3").expect("the fault is shown on its row");
    assert_eq!(badge(f, s.now), "PAUSE 12s");
    // A second fault on the same service is refused before anything is asked of Docker.
    let cmds = update(&mut s, key('K'));
    assert!(chaos(&cmds).is_empty(), "{cmds:?}");
    assert!(s
        .toasts
        .last()
        .unwrap()
        .text
        .contains("already has a fault"));

    assert!(chaos(&update(&mut s, Msg::Tick(secs(14)))).is_empty());
    let cmds = update(&mut s, Msg::Tick(secs(15)));
    assert_eq!(chaos(&cmds), [&Command::ChaosUndo("f1".into())]);
    assert_eq!(badge(s.chaos.on("c3").unwrap(), s.now), "UNDOING");
    // Asked once; asked again only if it has not come back within the retry time.
    assert!(chaos(&update(&mut s, Msg::Tick(secs(16)))).is_empty());
    update(
        &mut s,
        Msg::Fault(FaultEvent::UndoFailed {
            id: "f1".into(),
            error: "docker answered 500".into(),
        }),
    );
    assert!(chaos(&update(&mut s, Msg::Tick(secs(20)))).is_empty());
    let cmds = update(&mut s, Msg::Tick(secs(25)));
    assert_eq!(chaos(&cmds), [&Command::ChaosUndo("f1".into())]);
    update(&mut s, Msg::Fault(FaultEvent::Cleared { id: "f1".into() }));
    assert!(s.chaos.faults.is_empty());
    assert!(chaos(&update(&mut s, Msg::Tick(secs(40)))).is_empty());
}

#[test]
fn the_emergency_stop_undoes_every_fault_from_any_panel() {
    let mut s = state();
    update(&mut s, active("f1", "c1", "api-v1", "latency 300ms", 30));
    update(&mut s, active("f2", "c2", "redis", "kill (SIGKILL)", 30));
    update(&mut s, active("f3", "c3", "worker", "pause", 30));
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
    );
    let cmds = update(&mut s, key('X'));
    assert_eq!(chaos(&cmds), [&Command::ChaosStopAll]);
    assert!(s.chaos.faults.iter().all(|f| f.undoing_since.is_some()));
    for id in ["f1", "f2", "f3"] {
        update(&mut s, Msg::Fault(FaultEvent::Cleared { id: id.into() }));
    }
    assert!(s.chaos.faults.is_empty());
}

#[test]
fn chaos_lines_and_readonly() {
    let mut s = state();
    let run = |s: &mut State, line: &str| {
        update(s, key(':'));
        for c in line.chars() {
            update(s, key(c));
        }
        update(
            s,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        )
    };
    let cmds = run(&mut s, "chaos kill api-v1 30s");
    assert_eq!(
        chaos(&cmds),
        [&Command::ChaosApply(FaultSpec {
            service: "api-v1".into(),
            kind: FaultKind::Kill {
                signal: "SIGKILL".into()
            },
            duration: std::time::Duration::from_secs(30),
        })]
    );
    assert_eq!(
        chaos(&run(&mut s, "chaos stop-all")),
        [&Command::ChaosStopAll]
    );
    assert!(chaos(&run(&mut s, "chaos kill worker forever")).is_empty());
    assert!(s.toasts.last().unwrap().text.contains("not a duration"));

    s.readonly = true;
    assert!(chaos(&update(&mut s, key('K'))).is_empty());
    assert!(chaos(&update(&mut s, key('X'))).is_empty());
    assert!(chaos(&run(&mut s, "chaos pause worker")).is_empty());
    assert!(s.toasts.last().unwrap().text.contains("read-only"));
}
