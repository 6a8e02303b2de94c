//! How the screen is shown rather than what it shows: the keys just pressed (for screencasts)
//! and the presenter theme (for projectors). Both are toggled by keys and start from flags.

use super::state::State;
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::VecDeque;

/// How long a key stays on screen, by State's clock.
pub const KEY_ECHO_SECS: i64 = 2;
/// Keys kept for the overlay.
pub const KEY_ECHO_CAP: usize = 6;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPress {
    pub at: DateTime<Utc>,
    pub label: String,
    /// The same key pressed again in a row counts up instead of filling the overlay.
    pub times: u32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShowState {
    /// The keystroke overlay is on.
    pub keys: bool,
    /// The presenter theme is on.
    pub presenter: bool,
    /// The last keys pressed, oldest first.
    pub recent_keys: VecDeque<KeyPress>,
}

/// A key as a screencast viewer would name it: `j`, `K`, `Tab`, `C-c`, `↑`, `Space`.
pub fn key_label(key: &KeyEvent) -> String {
    let base = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => return "S-Tab".into(),
        KeyCode::Backspace => "Bksp".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    let mut label = String::new();
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        label.push_str("C-");
    }
    if key.modifiers.contains(KeyModifiers::ALT) {
        label.push_str("M-");
    }
    // Shift is already in the character itself (`K`, `?`); named keys say it.
    if key.modifiers.contains(KeyModifiers::SHIFT) && !matches!(key.code, KeyCode::Char(_)) {
        label.push_str("S-");
    }
    label.push_str(&base);
    label
}

/// Notes a key press for the overlay.
pub fn on_key(state: &mut State, key: &KeyEvent) {
    let now = state.now;
    let label = key_label(key);
    let keys = &mut state.show.recent_keys;
    match keys.back_mut() {
        Some(last) if last.label == label && now - last.at <= Duration::seconds(KEY_ECHO_SECS) => {
            last.times += 1;
            last.at = now;
        }
        _ => {
            keys.push_back(KeyPress {
                at: now,
                label,
                times: 1,
            });
            if keys.len() > KEY_ECHO_CAP {
                keys.pop_front();
            }
        }
    }
}

/// Forgets the keys that have faded.
pub fn on_tick(state: &mut State) {
    let now = state.now;
    state
        .show
        .recent_keys
        .retain(|k| now - k.at <= Duration::seconds(KEY_ECHO_SECS));
}

impl State {
    /// The keys the overlay shows now, oldest first, each with its age.
    pub fn echoed_keys(&self) -> impl Iterator<Item = (&KeyPress, Duration)> {
        let now = self.now;
        self.show
            .recent_keys
            .iter()
            .map(move |k| (k, now - k.at))
            .filter(|(_, age)| *age <= Duration::seconds(KEY_ECHO_SECS))
    }
}
