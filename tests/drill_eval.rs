//! The drill state machine on recorded figures: plain Msgs in, check states, Commands,
//! detection and recovery times and the score out. No lab, no clock.

use chrono::{DateTime, Duration, TimeZone, Utc};
use driftdock::app::drill::eval::ObjectiveState;
use driftdock::app::drill::parse::parse;
use driftdock::app::drill::{CheckState, DrillMsg, Outcome, Phase};
use driftdock::app::msg::{EffectOutcome, Reading, Sample, Source};
use driftdock::app::{update, Command, Msg, State};

const DRILL: &str = r#"
title = "worker crash"
briefing = "kill it"
[hypothesis]
steady_within = "10s"
recover_within = "30s"
[[hypothesis.check]]
figure = "queue.depth"
below = 20
[[method]]
kind = "chaos"
fault = "kill"
service = "worker"
duration = "10s"
[[method]]
kind = "await"
check = { figure = "queue.depth", below = 5 }
timeout = "60s"
[[objective]]
name = "backlog seen"
check = { figure = "queue.depth", above = 20 }
within = "20s"
[[objective]]
name = "drained"
check = { figure = "queue.depth", below = 5 }
within = "30s"
recovers = true
[[rollback]]
kind = "chaos-stop-all"
[[rollback]]
kind = "load"
rate = "off"
"#;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 7, 0, 0).unwrap()
}

fn at(s: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(s)
}

struct Drill {
    state: State,
    cmds: Vec<Command>,
}

impl Drill {
    fn loaded(text: &str) -> Drill {
        let state = State::new("lab", "driftdock", t0(), [Duration::seconds(1); 5]);
        let mut d = Drill {
            state,
            cmds: Vec::new(),
        };
        d.send(Msg::Drill(DrillMsg::Loaded(Box::new(
            parse(text, "t.toml").unwrap(),
        ))));
        d
    }
    fn send(&mut self, msg: Msg) -> Vec<Command> {
        let cmds = update(&mut self.state, msg);
        self.cmds.extend(cmds.clone());
        cmds
    }
    fn queue(&mut self, s: i64, depth: u64) -> Vec<Command> {
        self.send(Msg::Tick(at(s)));
        self.send(Msg::Sample(Sample::ok(
            at(s),
            Reading::Queue {
                depth,
                processing: 0,
            },
        )))
    }
    fn effect(&mut self, s: i64, name: &str, ok: bool) -> Vec<Command> {
        let outcome = if ok {
            EffectOutcome::Done("done".into())
        } else {
            EffectOutcome::Failed("no".into())
        };
        self.send(Msg::Effect {
            name: name.into(),
            at: at(s),
            outcome,
        })
    }
    fn run(&self) -> &driftdock::app::drill::DrillRun {
        self.state.drill.as_ref().unwrap()
    }
}

#[test]
fn a_drill_is_scored_on_time_to_detect_time_to_recover_and_objectives() {
    let mut d = Drill::loaded(DRILL);
    assert_eq!(d.run().phase, Phase::Briefing);
    d.queue(0, 1);
    d.send(Msg::Drill(DrillMsg::Start));
    assert_eq!(
        d.run().phase,
        Phase::Method,
        "the steady state showed at once"
    );
    assert!(matches!(&d.cmds[..], [Command::ChaosApply(s)] if s.service == "worker"));
    assert_eq!(d.run().checks, vec![CheckState::Green]);

    d.effect(1, "chaos", true);
    assert_eq!(d.run().fault_at, Some(at(1)));
    d.queue(4, 30);
    assert_eq!(d.run().checks, vec![CheckState::Red]);
    assert_eq!(d.run().detected_at, Some(at(4)));
    assert!(matches!(d.run().objectives[0], ObjectiveState::Met { secs, .. } if secs == 3.0));
    d.queue(10, 12);
    assert_eq!(d.run().phase, Phase::Method, "the await wants below 5");
    assert!(
        d.run().recovered_at.is_some(),
        "below 20: every check green again"
    );
    d.queue(12, 25);
    assert_eq!(d.run().recovered_at, None, "red again");
    d.queue(20, 2);
    assert_eq!(d.run().recovered_at, Some(at(20)));
    assert_eq!(d.run().phase, Phase::RollingBack);
    let n = d.cmds.len();
    assert!(matches!(
        &d.cmds[n - 2..],
        [Command::ChaosStopAll, Command::Load { rate: None }]
    ));

    d.effect(21, "chaos", true);
    assert_eq!(d.run().phase, Phase::RollingBack, "load off not back yet");
    d.effect(21, "load", true);
    assert_eq!(d.run().phase, Phase::Done);
    let s = d.run().score();
    assert_eq!(s.outcome, Outcome::Held);
    assert_eq!(s.time_to_detect_secs, Some(3.0));
    assert_eq!(s.time_to_recover_secs, Some(16.0));
    assert_eq!((s.objectives_met, s.objectives), (2, 2));
    assert!(d.state.running_effects.iter().all(|n| n != "drill"));
}

#[test]
fn a_down_source_makes_a_check_unknown_not_red() {
    let mut d = Drill::loaded(DRILL);
    d.queue(0, 1);
    d.send(Msg::Drill(DrillMsg::Start));
    d.effect(1, "chaos", true);
    d.send(Msg::Sample(Sample::err(
        Source::Redis,
        at(2),
        "connection refused",
    )));
    assert!(matches!(&d.run().checks[0], CheckState::Unknown(why) if why.contains("DOWN")));
    assert_eq!(d.run().detected_at, None, "unknown is not a detection");
    d.send(Msg::Tick(at(5)));
    assert!(matches!(&d.run().checks[0], CheckState::Unknown(_)));
}

#[test]
fn an_await_judges_only_readings_newer_than_its_step() {
    let mut d = Drill::loaded(DRILL);
    d.queue(0, 1);
    d.send(Msg::Drill(DrillMsg::Start));
    d.effect(1, "chaos", true);
    d.send(Msg::Tick(at(2)));
    assert_eq!(
        d.run().step,
        1,
        "depth 1 was read before the fault: not yet drained"
    );
    d.queue(3, 1);
    assert!(d.run().step >= 2, "a fresh reading: the await holds");
}

#[test]
fn no_steady_state_means_no_method_and_the_rollbacks_still_run() {
    let mut d = Drill::loaded(DRILL);
    d.queue(0, 50);
    d.send(Msg::Drill(DrillMsg::Start));
    assert_eq!(d.run().phase, Phase::Baseline);
    d.queue(11, 50);
    assert_eq!(d.run().outcome, Some(Outcome::NotSteady));
    assert!(!d.cmds.iter().any(|c| matches!(c, Command::ChaosApply(_))));
    assert!(d.cmds.iter().any(|c| matches!(c, Command::ChaosStopAll)));
}

#[test]
fn pause_runs_the_rollbacks_and_holds_the_method_abort_ends_it() {
    let mut d = Drill::loaded(DRILL);
    d.queue(0, 1);
    d.send(Msg::Drill(DrillMsg::Start));
    d.effect(1, "chaos", true);
    let cmds = d.send(Msg::Drill(DrillMsg::TogglePause));
    assert!(matches!(
        &cmds[..],
        [Command::ChaosStopAll, Command::Load { rate: None }]
    ));
    assert!(d.run().paused());
    d.queue(5, 1);
    assert_eq!(d.run().step, 1, "paused: the await does not move on");
    d.queue(6, 30);
    d.send(Msg::Drill(DrillMsg::TogglePause));
    assert!(!d.run().paused());
    let cmds = d.send(Msg::Drill(DrillMsg::Abort));
    assert!(matches!(
        &cmds[..],
        [Command::ChaosStopAll, Command::Load { rate: None }]
    ));
    assert!(matches!(d.run().outcome, Some(Outcome::Aborted(_))));
    d.effect(7, "chaos", true);
    d.effect(7, "load", true);
    assert_eq!(d.run().phase, Phase::Done);
    assert!(!d.run().score().held);
}

#[test]
fn an_objective_not_met_in_time_is_missed_and_a_failed_step_aborts() {
    let mut d = Drill::loaded(DRILL);
    d.queue(0, 1);
    d.send(Msg::Drill(DrillMsg::Start));
    d.effect(1, "chaos", true);
    d.queue(25, 10);
    assert_eq!(
        d.run().objectives[0],
        ObjectiveState::Missed,
        "no backlog within 20s"
    );

    let mut d = Drill::loaded(DRILL);
    d.queue(0, 1);
    d.send(Msg::Drill(DrillMsg::Start));
    d.effect(1, "chaos", false);
    assert!(matches!(&d.run().outcome, Some(Outcome::Aborted(why)) if why.contains("failed")));
    assert_eq!(d.run().phase, Phase::RollingBack);
}

#[test]
fn setup_steps_run_before_the_steady_state_is_judged() {
    let text = DRILL.replace(
        "[[method]]\nkind = \"chaos\"",
        "[[setup]]\nkind = \"load\"\nrate = 5\n[[method]]\nkind = \"chaos\"",
    );
    let mut d = Drill::loaded(&text);
    d.queue(0, 50);
    d.send(Msg::Drill(DrillMsg::Start));
    assert_eq!(d.run().phase, Phase::Setup);
    assert!(matches!(&d.cmds[..], [Command::Load { rate: Some(5) }]));
    d.effect(1, "load", true);
    assert_eq!(d.run().phase, Phase::Baseline, "queue 50: not steady yet");
    d.queue(2, 3);
    assert_eq!(d.run().phase, Phase::Method);
    assert_eq!(
        d.run().start_values[0],
        Some(50.0),
        "the first reading after the start"
    );
    assert!(matches!(d.cmds.last(), Some(Command::ChaosApply(_))));
}

#[test]
fn relative_checks_compare_with_the_value_at_the_start() {
    let text = DRILL.replace(
        "figure = \"queue.depth\"\nbelow = 20",
        "figure = \"queue.depth\"\nat_least_start = true",
    );
    let mut d = Drill::loaded(&text);
    d.queue(0, 7);
    d.send(Msg::Drill(DrillMsg::Start));
    assert_eq!(d.run().start_values[0], Some(7.0));
    d.effect(1, "chaos", true);
    d.queue(2, 6);
    assert_eq!(d.run().checks, vec![CheckState::Red]);
    d.queue(3, 7);
    assert_eq!(d.run().checks, vec![CheckState::Green]);
}

#[test]
fn a_loaded_drill_survives_the_journal_round_trip() {
    // `--journal` writes every Msg as JSON; a replay must load the very same drill.
    let spec = parse(DRILL, "t.toml").unwrap();
    let msg = Msg::Drill(DrillMsg::Loaded(Box::new(spec)));
    let text = serde_json::to_string(&msg).unwrap();
    let back: Msg = serde_json::from_str(&text).unwrap();
    assert_eq!(back, msg);
}
