//! What every panel shares: its frame, its number and title, and its source's badge.

use super::format;
use super::header::clip;
use super::theme::{Ink, Theme};
use crate::app::state::{Freshness, Panel};
use crate::app::{Source, State};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};
use ratatui::Frame;

/// How a source's freshness reads, as a word (and age) that never leans on colour.
pub struct Badge {
    pub text: String,
    pub style: Style,
    /// STALE or DOWN: the values on screen are old.
    pub old: bool,
}

pub fn badge(state: &State, source: Source, theme: &Theme) -> Badge {
    let age = state.source(source).age(state.now).map(format::age);
    match state.freshness(source) {
        Freshness::Fresh => Badge {
            text: "ok".into(),
            style: theme.badge_ok,
            old: false,
        },
        Freshness::Waiting => Badge {
            text: "waiting".into(),
            style: theme.badge_waiting,
            old: false,
        },
        Freshness::Stale => Badge {
            text: format!("STALE {}", age.unwrap_or_default())
                .trim_end()
                .into(),
            style: theme.badge_stale,
            old: true,
        },
        Freshness::Down(_) => Badge {
            text: match age {
                Some(age) => format!("DOWN {age}"),
                None => "DOWN".into(),
            },
            style: theme.badge_down,
            old: true,
        },
    }
}

/// The number key that focuses a panel.
pub fn number(panel: Panel) -> usize {
    Panel::ALL.iter().position(|p| *p == panel).unwrap_or(0) + 1
}

/// A panel's frame: ` 3 Queue · extra ` and, when its source is STALE or DOWN, a badge with the
/// age and the error (`Queue — DOWN 42s: connection refused`). Returns the block and the ink
/// its content should use.
pub fn frame<'a, 't>(
    state: &State,
    panel: Panel,
    extra: Vec<Span<'a>>,
    area: Rect,
    theme: &'t Theme,
) -> (Block<'a>, Ink<'t>) {
    let focused = state.focus == panel;
    let b = badge(state, panel.source(), theme);
    let title_style = if focused { theme.focus } else { theme.title };
    let mut spans = vec![
        Span::styled(format!(" {} ", number(panel)), title_style),
        Span::styled(panel.title(), title_style),
    ];
    // The badge comes before the panel's own extras: when room runs out, they go first.
    if b.old {
        let err = match state.freshness(panel.source()) {
            Freshness::Down(e) => format!(": {}", format::sanitize(&e)),
            _ => String::new(),
        };
        spans.push(Span::styled(" —", title_style));
        spans.push(Span::styled(format!(" {}{err} ", b.text), b.style));
    }
    spans.extend(extra);
    spans.push(Span::raw(" "));
    let title = clip(Line::from(spans), (area.width as usize).saturating_sub(2));
    let block = Block::bordered()
        .title(title)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(match (focused, b.old) {
            (true, _) => theme.focus,
            (false, true) => theme.alarm,
            (false, false) => theme.border,
        });
    (block, Ink::new(theme, b.old))
}

/// A one-line explanation in place of figures that never arrived.
pub fn placeholder(frame: &mut Frame, area: Rect, text: &str, theme: &Theme) {
    let line = Line::styled(format::truncate(text, area.width as usize), theme.label);
    frame.render_widget(Paragraph::new(line), area);
}

/// `label value` pairs on one line: labels plain, values bold.
pub fn pairs<'a>(items: &[(&'a str, String, Style)], ink: Ink) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, (label, value, style)) in items.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("   "));
        }
        spans.push(Span::styled(format!("{label} "), ink.st(ink.theme.label)));
        spans.push(Span::styled(value.clone(), ink.st(*style)));
    }
    Line::from(spans)
}
