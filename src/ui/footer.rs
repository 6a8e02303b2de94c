//! The bottom line: the keys that work here (from the keymap), or the line being typed.

use super::header::clip;
use super::theme::Theme;
use crate::app::keymap::{self, Intent};
use crate::app::state::{Mode, Panel};
use crate::app::State;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The input line's cursor.
pub const CURSOR: &str = "▏";

/// What the filter applies to, as the update decides it.
pub fn filter_target(focus: Panel) -> &'static str {
    match focus {
        Panel::Logs => "logs",
        _ => "containers",
    }
}

/// How much of each hint's help fits: all of it, without its parenthesised remark, its first
/// word, or none.
#[derive(Clone, Copy)]
enum Brevity {
    Full,
    Short,
    Word,
    /// One word each, without the arrows everyone can guess.
    WordNoArrows,
    Keys,
}

fn without_remark(help: &str) -> &str {
    help.split(" (").next().unwrap_or(help).trim_end()
}

/// One word for a hint: its first, unless another hint starts the same way (`move up`,
/// `move down`), then what follows it (`up`, `down`).
fn word<'a>(help: &'a str, all: &[&str]) -> &'a str {
    let short = without_remark(help);
    let (first, rest) = short.split_once(' ').unwrap_or((short, ""));
    let shared = all
        .iter()
        .filter(|h| without_remark(h).split(' ').next() == Some(first))
        .count()
        > 1;
    if shared && !rest.is_empty() {
        rest
    } else {
        first
    }
}

fn brief<'a>(help: &'a str, brevity: Brevity, all: &[&str]) -> &'a str {
    match brevity {
        Brevity::Full => help,
        Brevity::Short => without_remark(help),
        Brevity::Word | Brevity::WordNoArrows => word(help, all),
        Brevity::Keys => "",
    }
}

fn hints(state: &State, theme: &Theme, brevity: Brevity) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    if state.readonly {
        spans.push(Span::styled(" read-only ", theme.readonly));
        spans.push(Span::raw(" "));
    }
    let gap = match brevity {
        Brevity::Full | Brevity::Short => "  ",
        Brevity::Word | Brevity::WordNoArrows | Brevity::Keys => " ",
    };
    let binds = keymap::footer(state.focus, state.readonly);
    let all: Vec<&str> = binds.iter().map(|b| b.help).collect();
    for bind in binds {
        if matches!(brevity, Brevity::WordNoArrows)
            && matches!(bind.intent, Intent::Up | Intent::Down)
        {
            continue;
        }
        spans.push(Span::styled(format!(" {} ", bind.label), theme.key));
        let help = brief(bind.help, brevity, &all);
        if help.is_empty() {
            spans.push(Span::raw(gap));
        } else {
            spans.push(Span::styled(format!(" {help}{gap}"), theme.label));
        }
    }
    spans
}

fn input(prefix: &str, text: &str, tail: &str, theme: &Theme) -> Vec<Span<'static>> {
    vec![
        Span::styled(format!("{prefix}{text}"), theme.input),
        Span::styled(CURSOR, theme.focus),
        Span::styled(format!("   {tail}"), theme.label),
    ]
}

pub fn render(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    let width = area.width as usize;
    let spans = match &state.mode {
        Mode::Filter(text) => input(
            "/",
            text,
            &format!(
                "filtering {} · Enter keeps · Esc clears",
                filter_target(state.focus)
            ),
            theme,
        ),
        Mode::Command(text) => input(":", text, "Tab completes · Enter runs · Esc cancels", theme),
        _ => [
            Brevity::Full,
            Brevity::Short,
            Brevity::Word,
            Brevity::WordNoArrows,
            Brevity::Keys,
        ]
        .into_iter()
        .map(|b| hints(state, theme, b))
        .find(|spans| Line::from(spans.clone()).width() <= width)
        .unwrap_or_else(|| hints(state, theme, Brevity::Keys)),
    };
    frame.render_widget(Paragraph::new(clip(Line::from(spans), width)), area);
}
