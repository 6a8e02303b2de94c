//! The drill panel with a briefing, while a drill runs with its fault felt, and scored, at
//! 80×24, 120×40 and 200×60, as text snapshots.

use driftdock::app::drill::eval::ObjectiveState;
use driftdock::app::drill::{CheckState, Outcome, Phase};
use driftdock::app::{fixture, State};
use driftdock::ui;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn snapshots(name: &str, state: &State) {
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|frame| ui::view(state, frame)).unwrap();
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn a_drill_briefing() {
    let s = fixture::drill_briefing();
    assert_eq!(s.drill.as_ref().unwrap().phase, Phase::Briefing);
    assert!(s.show_drill);
    snapshots("drill_briefing", &s);
}

#[test]
fn a_drill_running_with_the_fault_felt() {
    let s = fixture::drill_running();
    let run = s.drill.as_ref().unwrap();
    assert_eq!((run.phase, run.step), (Phase::Method, 3));
    assert_eq!(run.checks, vec![CheckState::Red, CheckState::Red]);
    assert!(run.detected_at.is_some());
    assert!(matches!(run.objectives[0], ObjectiveState::Met { .. }));
    snapshots("drill_running", &s);
}

#[test]
fn a_drill_scored() {
    let s = fixture::drill_scored();
    let run = s.drill.as_ref().unwrap();
    assert_eq!(run.phase, Phase::Done);
    assert_eq!(run.outcome, Some(Outcome::Held));
    assert_eq!(run.score().objectives_met, 3);
    snapshots("drill_scored", &s);
}

#[test]
fn tiny_terminals_do_not_panic_with_a_drill_on_screen() {
    for state in [
        fixture::drill_briefing(),
        fixture::drill_running(),
        fixture::drill_scored(),
    ] {
        for w in (1..=60).filter(|w| *w <= 12 || w % 3 == 0) {
            for h in 1..=16 {
                let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
                terminal.draw(|frame| ui::view(&state, frame)).unwrap();
            }
        }
    }
}
