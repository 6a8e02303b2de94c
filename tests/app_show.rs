//! The keystroke overlay's keys and the presenter toggle, as plain State changes.

use chrono::Duration;
use driftdock::app::fixture::{empty, t0};
use driftdock::app::show::{key_label, KEY_ECHO_CAP};
use driftdock::app::{update, Msg, State};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn press(state: &mut State, code: KeyCode, mods: KeyModifiers) {
    update(state, Msg::Key(KeyEvent::new(code, mods)));
}

fn labels(state: &State) -> Vec<String> {
    state
        .echoed_keys()
        .map(|(k, _)| {
            if k.times > 1 {
                format!("{}x{}", k.label, k.times)
            } else {
                k.label.clone()
            }
        })
        .collect()
}

#[test]
fn keys_are_named_as_a_viewer_reads_them() {
    let k = |code, mods| key_label(&KeyEvent::new(code, mods));
    assert_eq!(k(KeyCode::Char('j'), KeyModifiers::NONE), "j");
    assert_eq!(k(KeyCode::Char('K'), KeyModifiers::SHIFT), "K");
    assert_eq!(k(KeyCode::Char('c'), KeyModifiers::CONTROL), "C-c");
    assert_eq!(k(KeyCode::Char(' '), KeyModifiers::NONE), "Space");
    assert_eq!(k(KeyCode::BackTab, KeyModifiers::SHIFT), "S-Tab");
    assert_eq!(k(KeyCode::Up, KeyModifiers::NONE), "↑");
    assert_eq!(k(KeyCode::F(5), KeyModifiers::NONE), "F5");
}

#[test]
fn o_toggles_the_overlay_and_t_the_presenter_theme() {
    let mut s = empty();
    assert!(!s.show.keys && !s.show.presenter);
    press(&mut s, KeyCode::Char('o'), KeyModifiers::NONE);
    assert!(s.show.keys);
    press(&mut s, KeyCode::Char('T'), KeyModifiers::SHIFT);
    assert!(s.show.presenter);
    press(&mut s, KeyCode::Char('T'), KeyModifiers::NONE);
    press(&mut s, KeyCode::Char('o'), KeyModifiers::NONE);
    assert!(!s.show.keys && !s.show.presenter);
    // Neither changes the lab, so read-only leaves them on.
    s.readonly = true;
    press(&mut s, KeyCode::Char('o'), KeyModifiers::NONE);
    assert!(s.show.keys);
}

#[test]
fn repeats_count_up_and_keys_fade_after_two_seconds_of_the_clock() {
    let mut s = empty();
    press(&mut s, KeyCode::Char('j'), KeyModifiers::NONE);
    press(&mut s, KeyCode::Char('j'), KeyModifiers::NONE);
    press(&mut s, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(labels(&s), ["jx2", "Tab"]);
    update(&mut s, Msg::Tick(t0() + Duration::seconds(1)));
    press(&mut s, KeyCode::Char('k'), KeyModifiers::NONE);
    update(&mut s, Msg::Tick(t0() + Duration::seconds(2)));
    assert_eq!(labels(&s), ["jx2", "Tab", "k"]);
    update(&mut s, Msg::Tick(t0() + Duration::seconds(3)));
    assert_eq!(labels(&s), ["k"]);
    update(&mut s, Msg::Tick(t0() + Duration::seconds(4)));
    assert!(labels(&s).is_empty());
    assert!(s.show.recent_keys.is_empty(), "faded keys are forgotten");
}

#[test]
fn only_the_last_few_keys_are_kept() {
    let mut s = empty();
    for c in "abcdefghij".chars() {
        press(&mut s, KeyCode::Char(c), KeyModifiers::NONE);
    }
    assert_eq!(s.show.recent_keys.len(), KEY_ECHO_CAP);
    assert_eq!(labels(&s).last().map(String::as_str), Some("j"));
}
