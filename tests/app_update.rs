//! update() as plain Rust: feed Msgs, assert on State and the Commands it returns.

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use driftdock::app::msg::{
    ContainerEvent, ContainerInfo, EffectOutcome, Reading, Sample, Source, StatusCounts,
};
use driftdock::app::state::{Freshness, Mode, Panel};
use driftdock::app::{update, Command, Msg, State};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap()
}

fn secs(n: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(n)
}

fn state() -> State {
    State::new("lab", "driftdock", t0(), [Duration::seconds(2); 5])
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn container(id: &str, service: &str, state: &str) -> ContainerInfo {
    ContainerInfo {
        id: id.into(),
        name: format!("driftdock_{service}_1"),
        service: service.into(),
        state: state.into(),
        health: Some("healthy".into()),
        started_at: Some(t0() - Duration::minutes(5)),
        restarts: 0,
        exit_code: None,
    }
}

fn with_containers(s: &mut State) -> Vec<Command> {
    update(
        s,
        Msg::Sample(Sample::ok(
            t0(),
            Reading::Containers(vec![
                container("c1", "worker", "running"),
                container("c2", "api-v1", "running"),
                container("c3", "redis", "running"),
            ]),
        )),
    )
}

#[test]
fn a_failing_source_is_down_with_its_error_and_the_age_of_its_last_good_value() {
    let mut s = state();
    assert_eq!(s.freshness(Source::Redis), Freshness::Waiting);
    update(
        &mut s,
        Msg::Sample(Sample::ok(
            secs(0),
            Reading::Queue {
                depth: 4,
                processing: 1,
            },
        )),
    );
    assert_eq!(s.freshness(Source::Redis), Freshness::Fresh);
    update(
        &mut s,
        Msg::Sample(Sample::err(Source::Redis, secs(3), "connection refused")),
    );
    update(&mut s, Msg::Tick(secs(42)));
    assert_eq!(
        s.freshness(Source::Redis),
        Freshness::Down("connection refused".into())
    );
    assert_eq!(
        s.source(Source::Redis).age(s.now),
        Some(Duration::seconds(42))
    );
    // The last good figures stay on screen.
    assert_eq!(s.queue.depth, Some(4));
    assert!(s.any_down());

    // It recovers by itself.
    update(
        &mut s,
        Msg::Sample(Sample::ok(
            secs(43),
            Reading::Queue {
                depth: 0,
                processing: 0,
            },
        )),
    );
    assert_eq!(s.freshness(Source::Redis), Freshness::Fresh);
    assert!(!s.any_down());
}

#[test]
fn a_source_that_misses_two_intervals_is_stale() {
    let mut s = state();
    update(
        &mut s,
        Msg::Sample(Sample::ok(secs(0), Reading::Canary { percent: 25 })),
    );
    update(&mut s, Msg::Tick(secs(4)));
    assert_eq!(s.freshness(Source::Gateway), Freshness::Fresh);
    update(&mut s, Msg::Tick(secs(5)));
    assert_eq!(s.freshness(Source::Gateway), Freshness::Stale);
}

#[test]
fn docker_events_change_rows_add_and_remove_containers() {
    let mut s = state();
    with_containers(&mut s);
    let mut killed = container("c1", "worker", "exited");
    killed.exit_code = Some(137);
    update(
        &mut s,
        Msg::ContainerEvent(ContainerEvent {
            at: secs(1),
            id: "c1".into(),
            action: "kill".into(),
            info: Some(killed),
        }),
    );
    let row = s.containers.iter().find(|r| r.info.id == "c1").unwrap();
    assert_eq!(row.info.state, "exited");
    assert_eq!(row.last_event, Some((secs(1), "kill".to_string())));

    update(
        &mut s,
        Msg::ContainerEvent(ContainerEvent {
            at: secs(2),
            id: "c9".into(),
            action: "start".into(),
            info: Some(container("c9", "load", "running")),
        }),
    );
    assert_eq!(s.containers.len(), 4);
    // Rows stay sorted by service.
    let services: Vec<_> = s
        .containers
        .iter()
        .map(|r| r.info.service.as_str())
        .collect();
    assert_eq!(services, ["api-v1", "load", "redis", "worker"]);

    update(
        &mut s,
        Msg::ContainerEvent(ContainerEvent {
            at: secs(3),
            id: "c9".into(),
            action: "destroy".into(),
            info: None,
        }),
    );
    assert_eq!(s.containers.len(), 3);
}

#[test]
fn the_selected_container_is_the_one_whose_logs_are_followed() {
    let mut s = state();
    let cmds = with_containers(&mut s);
    assert_eq!(cmds, vec![Command::FollowLogs(Some("c2".into()))]);
    let cmds = update(&mut s, key('j'));
    assert_eq!(cmds, vec![Command::FollowLogs(Some("c3".into()))]);
    // Lines for another container are dropped.
    update(
        &mut s,
        Msg::Logs {
            container_id: "c2".into(),
            lines: vec!["old".into()],
        },
    );
    assert!(s.logs.lines.is_empty());
    update(
        &mut s,
        Msg::Logs {
            container_id: "c3".into(),
            lines: vec!["ready".into(), "accepted".into()],
        },
    );
    assert_eq!(s.logs.lines.len(), 2);
}

#[test]
fn filtering_narrows_the_rows_and_esc_clears_it() {
    let mut s = state();
    with_containers(&mut s);
    update(&mut s, key('/'));
    assert_eq!(s.mode, Mode::Filter(String::new()));
    for c in "red".chars() {
        update(&mut s, key(c));
    }
    assert_eq!(s.visible_containers().len(), 1);
    assert_eq!(s.selected_container().unwrap().info.service, "redis");
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(s.container_filter, "red");
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.visible_containers().len(), 3);
}

#[test]
fn logs_filter_applies_to_the_logs_panel() {
    let mut s = state();
    with_containers(&mut s);
    update(
        &mut s,
        Msg::Logs {
            container_id: "c2".into(),
            lines: vec!["GET /health 200".into(), "POST /events 500".into()],
        },
    );
    update(&mut s, key('2'));
    assert_eq!(s.focus, Panel::Logs);
    update(&mut s, key('/'));
    for c in "500".chars() {
        update(&mut s, key(c));
    }
    assert_eq!(s.visible_logs(), vec!["POST /events 500"]);
    assert!(s.container_filter.is_empty());
}

#[test]
fn canary_keys_step_the_split_and_readonly_refuses_them() {
    let mut s = state();
    update(
        &mut s,
        Msg::Sample(Sample::ok(secs(0), Reading::Canary { percent: 25 })),
    );
    // Outside the canary panel `+` means nothing.
    assert!(update(&mut s, key('+')).is_empty());
    update(&mut s, key('6'));
    assert_eq!(s.focus, Panel::Canary);
    assert_eq!(
        update(&mut s, key('+')),
        vec![Command::SetCanary {
            from: Some(25),
            to: 30
        }]
    );
    assert_eq!(
        update(&mut s, key('-')),
        vec![Command::SetCanary {
            from: Some(25),
            to: 20
        }]
    );

    s.readonly = true;
    assert!(update(&mut s, key('+')).is_empty());
    assert!(s.live_toasts().any(|t| t.text.contains("read-only")));
    // The command line is refused too.
    for c in ":canary 50".chars() {
        update(&mut s, key(c));
    }
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
}

#[test]
fn the_command_line_completes_runs_and_rejects_bad_input() {
    let mut s = state();
    update(
        &mut s,
        Msg::Sample(Sample::ok(secs(0), Reading::Canary { percent: 0 })),
    );
    update(&mut s, key(':'));
    for c in "ca".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(s.mode, Mode::Command("canary ".into()));
    for c in "40".chars() {
        update(&mut s, key(c));
    }
    assert_eq!(
        update(&mut s, code(KeyCode::Enter)),
        vec![Command::SetCanary {
            from: Some(0),
            to: 40
        }]
    );

    for c in ":canary 140".chars() {
        update(&mut s, key(c));
    }
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(s
        .live_toasts()
        .any(|t| t.text.contains("not a percentage from 0 to 100")));

    for c in ":nonsense".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Enter));
    assert!(s.live_toasts().any(|t| t.text.contains("unknown command")));
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn quitting_asks_while_an_effect_runs() {
    let mut s = state();
    update(
        &mut s,
        Msg::Effect {
            name: "canary".into(),
            at: secs(1),
            outcome: EffectOutcome::Started,
        },
    );
    update(&mut s, key('q'));
    assert!(!s.quit);
    assert_eq!(s.mode, Mode::ConfirmQuit);
    update(&mut s, key('n'));
    assert!(!s.quit);
    assert_eq!(s.mode, Mode::Normal);

    update(
        &mut s,
        Msg::Effect {
            name: "canary".into(),
            at: secs(2),
            outcome: EffectOutcome::Failed("gateway refused".into()),
        },
    );
    assert!(s.live_toasts().any(|t| t.text.contains("gateway refused")));
    update(&mut s, key('q'));
    assert!(s.quit);
}

#[test]
fn event_rates_come_from_successive_readings() {
    let mut s = state();
    let counts = |queued, done| StatusCounts {
        queued,
        processing: 0,
        done,
        failed: 0,
    };
    update(
        &mut s,
        Msg::Sample(Sample::ok(
            secs(0),
            Reading::Events {
                counts: counts(10, 0),
                oldest_queued: Some(secs(-30)),
            },
        )),
    );
    assert_eq!(s.events.in_rate, None);
    update(
        &mut s,
        Msg::Sample(Sample::ok(
            secs(2),
            Reading::Events {
                counts: counts(14, 10),
                oldest_queued: Some(secs(-20)),
            },
        )),
    );
    assert_eq!(s.events.in_rate, Some(7.0));
    assert_eq!(s.events.out_rate, Some(5.0));
    // A restore that shrinks the table gives zero, not a negative rate.
    update(
        &mut s,
        Msg::Sample(Sample::ok(
            secs(4),
            Reading::Events {
                counts: counts(0, 0),
                oldest_queued: None,
            },
        )),
    );
    assert_eq!(s.events.in_rate, Some(0.0));
}

#[test]
fn logs_keep_a_bounded_tail_and_scrolling_stops_following() {
    let mut s = state();
    with_containers(&mut s);
    let lines: Vec<String> = (0..5000).map(|i| format!("line {i}")).collect();
    update(
        &mut s,
        Msg::Logs {
            container_id: "c2".into(),
            lines,
        },
    );
    assert_eq!(s.logs.lines.len(), driftdock::app::state::LOG_CAP);
    assert_eq!(s.logs.lines.back().unwrap(), "line 4999");
    update(&mut s, key('2'));
    update(&mut s, key('k'));
    assert!(!s.logs.follow);
    assert_eq!(s.logs.scroll, 1);
    update(&mut s, key('f'));
    assert!(s.logs.follow);
}

#[test]
fn a_restarted_container_is_followed_again() {
    let mut s = state();
    with_containers(&mut s);
    assert_eq!(s.logs.container_id.as_deref(), Some("c2"));
    let cmds = update(
        &mut s,
        Msg::ContainerEvent(ContainerEvent {
            at: secs(5),
            id: "c2".into(),
            action: "start".into(),
            info: Some(container("c2", "api-v1", "running")),
        }),
    );
    assert_eq!(cmds, vec![Command::FollowLogs(Some("c2".into()))]);
    // Other containers starting change nothing.
    let cmds = update(
        &mut s,
        Msg::ContainerEvent(ContainerEvent {
            at: secs(6),
            id: "c1".into(),
            action: "start".into(),
            info: Some(container("c1", "worker", "running")),
        }),
    );
    assert!(cmds.is_empty());
}
