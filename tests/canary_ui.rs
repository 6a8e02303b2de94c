//! The canary panel while a plan runs and after the guard aborted it, at 80×24, 120×40 and
//! 200×60, as text snapshots.

use driftdock::app::plan::Phase;
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
fn a_plan_holding_its_second_step_with_a_breach_counted() {
    let s = fixture::canary_plan();
    let run = s.canary.plan.as_ref().unwrap();
    assert_eq!((run.step, run.phase, run.breaches), (1, Phase::Holding, 1));
    assert_eq!(s.load.rps, Some(19.8));
    snapshots("plan_holding", &s);
}

#[test]
fn a_plan_the_guard_aborted() {
    let s = fixture::canary_aborted();
    let run = s.canary.plan.as_ref().unwrap();
    assert_eq!(run.phase, Phase::Aborted);
    assert_eq!(s.canary.applied, Some(0));
    snapshots("plan_aborted", &s);
}

#[test]
fn tiny_terminals_do_not_panic_with_a_plan_on_screen() {
    for state in [fixture::canary_plan(), fixture::canary_aborted()] {
        for w in (1..=60).filter(|w| *w <= 12 || w % 3 == 0) {
            for h in 1..=16 {
                let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
                terminal.draw(|frame| ui::view(&state, frame)).unwrap();
            }
        }
    }
}
