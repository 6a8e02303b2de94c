//! The canary plan as plain Rust: through `update`, fed keys, the clock, the gateway's
//! read-back and the guard's samples, asserting on State and the Commands it returns.

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use driftdock::app::msg::{CanaryIntent, EffectOutcome, Reading, Sample, Source, VersionTraffic};
use driftdock::app::plan::{self, Guard, Phase, PlanSpec, Step};
use driftdock::app::state::{Panel, ToastLevel};
use driftdock::app::{update, Command, Msg, State};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap() + Duration::seconds(secs)
}

fn spec() -> PlanSpec {
    PlanSpec {
        name: "test".into(),
        steps: vec![
            Step {
                weight: 20,
                hold: Duration::seconds(4),
            },
            Step {
                weight: 50,
                hold: Duration::seconds(4),
            },
        ],
        // No window: guard samples count from the start (a dedicated test covers the window).
        guard: Guard {
            window_secs: 0,
            ..Guard::default()
        },
    }
}

/// The canary focused, the gateway at 0%, a plan of 20% then 50%, 4 s each.
fn state() -> State {
    let mut s = State::new("lab", "driftdock", t(0), [Duration::seconds(2); 5]);
    s.canary.plan_spec = Some(spec());
    s.focus = Panel::Canary;
    gateway(&mut s, 0, 0);
    s
}

fn key(s: &mut State, c: char) -> Vec<Command> {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), mods)))
}

fn gateway(s: &mut State, at: i64, percent: u8) -> Vec<Command> {
    update(
        s,
        Msg::Sample(Sample::ok(t(at), Reading::Canary { percent })),
    )
}

fn traffic(version: &str, rps: f64, errors: f64, p95: f64) -> VersionTraffic {
    VersionTraffic {
        version: version.into(),
        rps,
        error_ratio: Some(errors),
        p95_ms: Some(p95),
    }
}

fn guard(s: &mut State, at: i64, v2_errors: f64, v2_p95: f64) -> Vec<Command> {
    update(
        s,
        Msg::Sample(Sample::ok(
            t(at),
            Reading::Guard {
                window_secs: 30,
                versions: vec![
                    traffic("v1", 8.0, 0.0, 20.0),
                    traffic("v2", 2.0, v2_errors, v2_p95),
                ],
                load_rps: 10.0,
            },
        )),
    )
}

fn healthy(s: &mut State, at: i64) -> Vec<Command> {
    guard(s, at, 0.0, 20.0)
}

fn tick(s: &mut State, at: i64) -> Vec<Command> {
    update(s, Msg::Tick(t(at)))
}

/// The clock runs from `from` to `to`, a healthy guard sample every second keeping Prometheus
/// fresh; every Command on the way.
fn run(s: &mut State, from: i64, to: i64) -> Vec<Command> {
    let mut out = Vec::new();
    for at in from..=to {
        out.extend(healthy(s, at));
        out.extend(tick(s, at));
    }
    out
}

fn sets(cmds: &[Command]) -> Vec<(u8, &'static str)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::ChangeCanary { to, what, .. } => Some((*to, *what)),
            _ => None,
        })
        .collect()
}

fn audits(cmds: &[Command]) -> Vec<&'static str> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Audit { what, .. } => Some(*what),
            _ => None,
        })
        .collect()
}

fn phase(s: &State) -> Phase {
    s.canary.plan.as_ref().expect("a plan").phase
}

/// `p` started, the first step in force at `at`.
fn holding(s: &mut State, at: i64) {
    key(s, 'p');
    gateway(s, at, 20);
    assert_eq!(phase(s), Phase::Holding);
}

#[test]
fn p_starts_the_plan_with_an_audit_line_and_the_first_step() {
    let mut s = state();
    let cmds = key(&mut s, 'p');
    assert_eq!(audits(&cmds), vec!["canary.plan.start"]);
    assert_eq!(sets(&cmds), vec![(20, "canary.plan.step")]);
    let Some(Command::ChangeCanary { from, detail, .. }) = cmds
        .iter()
        .find(|c| matches!(c, Command::ChangeCanary { .. }))
    else {
        unreachable!()
    };
    assert_eq!(*from, Some(0));
    assert_eq!(detail["step"], 1);
    assert_eq!(detail["of"], 2);
    assert_eq!(phase(&s), Phase::Applying);
    assert!(s.running_effects.iter().any(|n| n == "canary plan"));
    // Until the gateway reports 20%, no hold runs.
    assert!(run(&mut s, 1, 10).is_empty());
    assert_eq!(phase(&s), Phase::Applying);
    // A second `p` is refused.
    assert!(key(&mut s, 'p').is_empty());
    assert_eq!(s.toasts.last().unwrap().level, ToastLevel::Error);
}

#[test]
fn a_step_advances_after_its_hold_and_a_healthy_guard_sample_then_promotes() {
    let mut s = state();
    holding(&mut s, 1);
    // Three seconds into a four-second hold: nothing yet.
    assert!(run(&mut s, 1, 4).is_empty());
    let run_ = s.canary.plan.as_ref().unwrap();
    assert_eq!(run_.hold_left(t(4)), Some(Duration::seconds(1)));
    let cmds = run(&mut s, 5, 5);
    assert_eq!(sets(&cmds), vec![(50, "canary.plan.step")]);
    assert_eq!(phase(&s), Phase::Applying);
    gateway(&mut s, 6, 50);
    let cmds = run(&mut s, 6, 10);
    assert_eq!(sets(&cmds), vec![(100, "canary.plan.promote")]);
    assert_eq!(phase(&s), Phase::Promoting);
    let cmds = gateway(&mut s, 11, 100);
    assert_eq!(audits(&cmds), vec!["canary.plan.done"]);
    assert_eq!(phase(&s), Phase::Done);
    assert!(!s.running_effects.iter().any(|n| n == "canary plan"));
    // Over: manual changes are allowed again.
    assert_eq!(
        key(&mut s, '-'),
        vec![Command::SetCanary {
            from: Some(100),
            to: 95
        }]
    );
}

#[test]
fn no_step_advances_without_v2_traffic_to_judge() {
    let mut s = state();
    holding(&mut s, 0);
    for at in 0..=20 {
        let no_v2 = update(
            &mut s,
            Msg::Sample(Sample::ok(
                t(at),
                Reading::Guard {
                    window_secs: 30,
                    versions: vec![traffic("v1", 8.0, 0.0, 20.0)],
                    load_rps: 8.0,
                },
            )),
        );
        assert!(no_v2.is_empty());
        assert!(tick(&mut s, at).is_empty(), "advanced blind at {at}s");
    }
    let run_ = s.canary.plan.as_ref().unwrap();
    assert_eq!(run_.phase, Phase::Holding);
    assert!(run_
        .last
        .as_ref()
        .unwrap()
        .text
        .contains("nothing to judge"));
    // Traffic at last, healthy: the step moves on.
    assert_eq!(sets(&run(&mut s, 21, 21)), vec![(50, "canary.plan.step")]);
}

#[test]
fn space_pauses_the_hold_and_resumes_it_where_it_stopped() {
    let mut s = state();
    holding(&mut s, 0);
    run(&mut s, 0, 2);
    let cmds = key(&mut s, ' ');
    assert_eq!(audits(&cmds), vec!["canary.plan.pause"]);
    assert!(s.canary.plan.as_ref().unwrap().paused());
    // Paused for a long time: nothing advances, and the hold does not run.
    assert!(run(&mut s, 3, 30).is_empty());
    assert_eq!(
        s.canary.plan.as_ref().unwrap().hold_left(t(30)),
        Some(Duration::seconds(2))
    );
    let cmds = key(&mut s, ' ');
    assert_eq!(audits(&cmds), vec!["canary.plan.resume"]);
    assert!(run(&mut s, 31, 31).is_empty());
    assert_eq!(sets(&run(&mut s, 32, 32)), vec![(50, "canary.plan.step")]);
}

#[test]
fn a_aborts_mid_hold_to_zero_and_the_plan_ends_when_the_gateway_says_so() {
    let mut s = state();
    holding(&mut s, 0);
    run(&mut s, 0, 2);
    let cmds = key(&mut s, 'a');
    assert_eq!(sets(&cmds), vec![(0, "canary.plan.abort")]);
    assert_eq!(phase(&s), Phase::Aborting);
    // Still at 20% until the gateway reports otherwise; no advance meanwhile.
    assert!(run(&mut s, 3, 10).is_empty());
    gateway(&mut s, 11, 0);
    assert_eq!(phase(&s), Phase::Aborted);
    assert_eq!(
        s.canary.plan.as_ref().unwrap().reason.as_deref(),
        Some("aborted by hand")
    );
    assert!(s.running_effects.is_empty());
}

#[test]
fn shift_p_promotes_straight_to_100() {
    let mut s = state();
    holding(&mut s, 0);
    let cmds = key(&mut s, 'P');
    assert_eq!(sets(&cmds), vec![(100, "canary.plan.promote")]);
    let cmds = gateway(&mut s, 1, 100);
    assert_eq!(audits(&cmds), vec!["canary.plan.done"]);
    assert_eq!(phase(&s), Phase::Done);
}

#[test]
fn the_guard_counts_breaches_in_a_row_resets_on_health_and_aborts_at_three() {
    let mut s = state();
    holding(&mut s, 0);
    assert!(guard(&mut s, 1, 0.30, 20.0).is_empty());
    assert!(guard(&mut s, 2, 0.30, 20.0).is_empty());
    assert_eq!(s.canary.plan.as_ref().unwrap().breaches, 2);
    // One healthy sample resets the count.
    healthy(&mut s, 3);
    assert_eq!(s.canary.plan.as_ref().unwrap().breaches, 0);
    // p95 over the limit is a breach too.
    guard(&mut s, 4, 0.0, 900.0);
    guard(&mut s, 5, 0.30, 20.0);
    let cmds = guard(&mut s, 6, 0.30, 20.0);
    assert_eq!(sets(&cmds), vec![(0, "canary.plan.guard_abort")]);
    let Some(Command::ChangeCanary { detail, .. }) = cmds.first() else {
        unreachable!()
    };
    // The audit line carries the figures that triggered it, and the limits.
    assert_eq!(detail["figures"]["v2"]["error_ratio"], 0.30);
    assert_eq!(detail["figures"]["v1"]["error_ratio"], 0.0);
    assert_eq!(detail["limits"]["consecutive"], 3);
    assert!(detail["reason"]
        .as_str()
        .unwrap()
        .contains("v2 errors 30.0% > 5.0%"));
    let toast = s.toasts.last().unwrap();
    assert_eq!(toast.level, ToastLevel::Error);
    assert!(toast.text.contains("ABORTED"), "{}", toast.text);
    gateway(&mut s, 7, 0);
    assert_eq!(phase(&s), Phase::Aborted);
}

#[test]
fn v2_worse_than_v1_by_more_than_the_margin_is_a_breach() {
    let g = Guard::default();
    let versions = vec![
        traffic("v1", 8.0, 0.01, 20.0),
        traffic("v2", 2.0, 0.04, 20.0),
    ];
    assert!(matches!(plan::judge(&g, &versions), plan::Verdict::Breach(t) if t.contains("vs v1")));
    let versions = vec![
        traffic("v1", 8.0, 0.03, 20.0),
        traffic("v2", 2.0, 0.04, 20.0),
    ];
    assert!(matches!(
        plan::judge(&g, &versions),
        plan::Verdict::Healthy(_)
    ));
    // At 100% v1 has no traffic: only the absolute limits apply.
    let versions = vec![traffic("v1", 0.0, 0.0, 0.0), traffic("v2", 9.0, 0.04, 20.0)];
    assert!(matches!(
        plan::judge(&g, &versions),
        plan::Verdict::Healthy(_)
    ));
}

#[test]
fn prometheus_down_pauses_the_plan_and_its_return_resumes_it() {
    let mut s = state();
    holding(&mut s, 0);
    run(&mut s, 0, 2);
    let cmds = update(
        &mut s,
        Msg::Sample(Sample::err(Source::Prometheus, t(3), "connection refused")),
    );
    assert_eq!(audits(&cmds), vec!["canary.plan.pause"]);
    let run_ = s.canary.plan.as_ref().unwrap();
    assert!(run_.blind.as_deref().unwrap().contains("prometheus DOWN"));
    // Blind for a minute: no step advances, whatever the clock says.
    for at in 3..60 {
        assert!(tick(&mut s, at).is_empty());
    }
    assert_eq!(phase(&s), Phase::Holding);
    let cmds = healthy(&mut s, 60);
    assert_eq!(audits(&cmds), vec!["canary.plan.resume"]);
    assert!(!s.canary.plan.as_ref().unwrap().paused());
    // The hold resumes where it stopped (about 2 s left).
    assert!(run(&mut s, 60, 60).is_empty());
    assert_eq!(sets(&run(&mut s, 61, 62)), vec![(50, "canary.plan.step")]);
}

#[test]
fn prometheus_stale_pauses_the_plan_too() {
    let mut s = state();
    s.canary.plan_spec.as_mut().unwrap().steps[0].hold = Duration::seconds(60);
    holding(&mut s, 0);
    run(&mut s, 0, 1);
    // No Prometheus answer for more than two intervals (2 s here).
    let mut cmds = Vec::new();
    for at in 2..=8 {
        cmds.extend(tick(&mut s, at));
    }
    assert_eq!(audits(&cmds), vec!["canary.plan.pause"]);
    assert!(sets(&cmds).is_empty(), "advanced while blind: {cmds:?}");
    let run_ = s.canary.plan.as_ref().unwrap();
    assert_eq!(run_.blind.as_deref(), Some("prometheus STALE"));
    // The hold stopped when the guard went blind (at 6 s, 4 s after the last answer at 1 s).
    assert_eq!(run_.hold_left(t(60)), Some(Duration::seconds(54)));
}

#[test]
fn manual_changes_are_refused_while_a_plan_steers() {
    let mut s = state();
    holding(&mut s, 0);
    assert!(key(&mut s, '+').is_empty());
    assert!(s.toasts.last().unwrap().text.contains("plan is running"));
    for c in ":canary 40".chars() {
        key(&mut s, c);
    }
    assert!(update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
    )
    .is_empty());
}

#[test]
fn readonly_refuses_every_canary_key_and_intent() {
    let mut s = state();
    s.readonly = true;
    for c in ['p', 'P', 'a', ' ', 's', 'L'] {
        assert!(key(&mut s, c).is_empty(), "{c}");
    }
    assert!(update(&mut s, Msg::Canary(CanaryIntent::RunPlan)).is_empty());
    assert!(s.canary.plan.is_none());
}

#[test]
fn a_step_the_gateway_refuses_aborts_the_plan_and_the_old_split_stays() {
    let mut s = state();
    key(&mut s, 'p');
    let cmds = update(
        &mut s,
        Msg::Effect {
            name: plan::EFFECT.into(),
            at: t(1),
            outcome: EffectOutcome::Failed("the gateway refused the new split (exit 1)".into()),
        },
    );
    assert_eq!(sets(&cmds), vec![(0, "canary.plan.abort")]);
    let reason = s.canary.plan.as_ref().unwrap().reason.clone().unwrap();
    assert!(reason.contains("did not take the change"), "{reason}");
}

#[test]
fn a_split_changed_from_outside_stops_the_plan_without_touching_it() {
    let mut s = state();
    holding(&mut s, 0);
    // One reading could have raced the change; two in a row cannot.
    assert!(gateway(&mut s, 1, 0).is_empty());
    assert_eq!(phase(&s), Phase::Holding);
    let cmds = gateway(&mut s, 2, 0);
    assert_eq!(audits(&cmds), vec!["canary.plan.abort"]);
    assert!(sets(&cmds).is_empty());
    assert_eq!(phase(&s), Phase::Aborted);
}

#[test]
fn promote_and_abort_without_a_plan_set_the_split_with_their_own_audit_name() {
    let mut s = state();
    assert_eq!(sets(&key(&mut s, 'P')), vec![(100, "canary.promote")]);
    assert_eq!(
        sets(&update(&mut s, Msg::Canary(CanaryIntent::Abort))),
        vec![(0, "canary.abort")]
    );
    // Space with no plan says so.
    assert!(key(&mut s, ' ').is_empty());
    assert!(s.toasts.last().unwrap().text.contains("no canary plan"));
}

#[test]
fn s_opens_the_split_prompt_and_l_toggles_the_load_generator() {
    let mut s = state();
    key(&mut s, 's');
    for c in "35".chars() {
        key(&mut s, c);
    }
    let cmds = update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    assert_eq!(
        cmds,
        vec![Command::SetCanary {
            from: Some(0),
            to: 35
        }]
    );
    s.load.rate = 25;
    assert_eq!(key(&mut s, 'L'), vec![Command::Load { rate: Some(25) }]);
    healthy(&mut s, 1);
    assert_eq!(s.load.rps, Some(10.0));
    assert_eq!(key(&mut s, 'L'), vec![Command::Load { rate: None }]);
}

#[test]
fn a_fresh_split_is_not_called_a_mismatch_until_the_window_has_caught_up() {
    let mut s = state();
    // 20% of traffic on v2 (guard sample) against 0% applied: a mismatch.
    healthy(&mut s, 0);
    tick(&mut s, 0);
    assert!(s.canary_mismatch().is_some());
    // The split moves to 20%: in agreement.
    gateway(&mut s, 1, 20);
    assert!(s.canary_mismatch().is_none());
    // The split moves to 80%: the window still blends the old split for 30 s.
    gateway(&mut s, 2, 80);
    tick(&mut s, 20);
    assert!(s.canary_mismatch().is_none());
    tick(&mut s, 40);
    assert_eq!(s.canary_mismatch(), Some(20.0));
}

#[test]
fn the_guard_judges_only_windows_that_lie_within_the_plan() {
    let mut s = state();
    s.canary.plan_spec.as_mut().unwrap().guard.window_secs = 30;
    holding(&mut s, 0);
    // v2's errors from before the plan are still in the window: no breach, and no advance.
    for at in 0..30 {
        assert!(guard(&mut s, at, 0.30, 20.0).is_empty(), "judged at {at}s");
        assert!(tick(&mut s, at).is_empty());
    }
    let run_ = s.canary.plan.as_ref().unwrap();
    assert_eq!(run_.breaches, 0);
    assert!(run_
        .last
        .as_ref()
        .unwrap()
        .text
        .contains("reaches back before the plan"));
    // From 30 s on, the window is the plan's own.
    guard(&mut s, 30, 0.30, 20.0);
    assert_eq!(s.canary.plan.as_ref().unwrap().breaches, 1);
    // A healthy sample, the hold long over: the step moves on at once.
    assert_eq!(sets(&healthy(&mut s, 31)), vec![(50, "canary.plan.step")]);
}

/// The state machine's own guard defaults (used by fixtures and these tests) are the config's:
/// the app cannot read the config, so this keeps the two from drifting apart.
#[test]
fn the_app_guard_defaults_are_the_configs() {
    let config = driftdock::config::Config::default();
    let spec = driftdock::runtime::plan_spec(&config.canary.default_plan());
    assert_eq!(spec.guard, Guard::default());
}
