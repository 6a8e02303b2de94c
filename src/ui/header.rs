//! The top line: which lab, what time it is, and how fresh every source is.

use super::format;
use super::panel::badge;
use super::theme::Theme;
use crate::app::{Source, State};
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

fn identity(state: &State, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = vec![
        Span::styled(
            format!(" {} ", state.lab_name),
            theme.title.add_modifier(Modifier::REVERSED),
        ),
        Span::styled(format!(" {} ", state.project), theme.label),
        Span::styled(state.now.format("%H:%M:%S UTC").to_string(), theme.figure),
    ];
    // The load generator's measured rate: a canary (or a drill) needs traffic to judge.
    if let Some(rps) = state.load.rps {
        spans.push(Span::styled("  load ", theme.label));
        spans.push(if rps >= 0.05 {
            Span::styled(format::rate(rps), theme.figure)
        } else {
            Span::styled("off", theme.warn)
        });
    }
    if state.readonly {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(" READ-ONLY ", theme.readonly));
    }
    if !state.running_effects.is_empty() {
        let n = state.running_effects.len();
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            format!("⟳ {n} running: {}", state.running_effects.join(", ")),
            theme.warn,
        ));
    }
    spans
}

fn badges(state: &State, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for source in Source::ALL {
        let b = badge(state, source, theme);
        spans.push(Span::raw(" "));
        spans.push(Span::styled(source.name(), theme.label));
        // A STALE or DOWN badge carries its own padding.
        let text = if b.old {
            format!(" {} ", b.text)
        } else {
            format!(" {}", b.text)
        };
        spans.push(Span::styled(text, b.style));
        spans.push(Span::raw(" "));
    }
    spans
}

/// The same, shorter: STALE and DOWN sources first, then the others grouped by their word
/// (`ok: docker postgres`, `waiting: gateway`).
fn grouped_badges(state: &State, theme: &Theme) -> Vec<Span<'static>> {
    let all: Vec<_> = Source::ALL
        .iter()
        .map(|s| (*s, badge(state, *s, theme)))
        .collect();
    let mut spans = Vec::new();
    for (source, b) in all.iter().filter(|(_, b)| b.old) {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(source.name(), theme.label));
        spans.push(Span::styled(format!(" {} ", b.text), b.style));
    }
    for word in ["ok", "waiting"] {
        let names: Vec<&str> = all
            .iter()
            .filter(|(_, b)| !b.old && b.text == word)
            .map(|(s, _)| s.name())
            .collect();
        if let Some((_, b)) = all.iter().find(|(_, b)| !b.old && b.text == word) {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(format!("{word}:"), b.style));
            spans.push(Span::styled(format!(" {}", names.join(" ")), theme.label));
        }
    }
    spans
}

fn width(spans: &[Span]) -> usize {
    spans.iter().map(Span::width).sum()
}

/// One line when everything fits, two otherwise (and never more than there is room for).
pub fn height(state: &State, area: Rect, theme: &Theme) -> u16 {
    let one = width(&identity(state, theme)) + 2 + width(&badges(state, theme));
    if one <= area.width as usize || area.height < 8 {
        1
    } else {
        2
    }
}

pub fn render(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    let id = identity(state, theme);
    let two = area.height >= 2;
    let room = if two {
        area.width as usize
    } else {
        (area.width as usize).saturating_sub(width(&id) + 2)
    };
    let mut badges = badges(state, theme);
    if width(&badges) > room {
        badges = grouped_badges(state, theme);
    }
    let lines = if two {
        vec![Line::from(id), Line::from(badges)]
    } else {
        let mut spans = id;
        spans.push(Span::raw("  "));
        spans.extend(badges);
        vec![Line::from(spans)]
    };
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| clip(l, area.width as usize))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// Cuts a line to `max` cells, marking the cut with `…`.
pub fn clip(line: Line<'_>, max: usize) -> Line<'_> {
    if line.width() <= max {
        return line;
    }
    let mut out = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let w = span.width();
        if used + w < max {
            used += w;
            out.push(span);
        } else {
            // One extra cell guarantees the cut shows as `…` even when this span fits exactly.
            let room = max - used;
            let padded = format!("{} ", span.content);
            out.push(Span::styled(format::truncate(&padded, room), span.style));
            break;
        }
    }
    Line::from(out)
}
