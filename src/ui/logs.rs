//! The selected container's log lines: the newest at the bottom, filter matches highlighted.

use super::format;
use super::panel::{self, placeholder};
use super::theme::Ink;
use super::theme::Theme;
use crate::app::state::{Freshness, Panel};
use crate::app::State;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The window of `total` lines to show in `height` rows, `scroll` lines up from the end.
pub fn window(total: usize, height: usize, follow: bool, scroll: usize) -> (usize, usize) {
    let end = if follow {
        total
    } else {
        total.saturating_sub(scroll)
    };
    (end.saturating_sub(height), end)
}

/// A log line cut to the panel, with every match of the filter highlighted.
fn highlighted(line: &str, filter: &str, width: usize, ink: Ink) -> Line<'static> {
    let text = format::truncate(&format::sanitize(line), width);
    let base = ink.st(ink.theme.text);
    let mut spans = Vec::new();
    let mut at = 0;
    for (start, end) in format::find_all(&text, filter) {
        spans.push(Span::styled(text[at..start].to_string(), base));
        spans.push(Span::styled(
            text[start..end].to_string(),
            ink.theme.matched,
        ));
        at = end;
    }
    spans.push(Span::styled(text[at..].to_string(), base));
    Line::from(spans)
}

pub fn render(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    let selected = state.selected_container();
    let mut extra = Vec::new();
    if let Some(row) = selected {
        extra.push(Span::styled(" · ", theme.label));
        extra.push(Span::styled(format::sanitize(&row.info.name), theme.figure));
    }
    let lines = state.visible_logs();
    let follow = if state.logs.follow {
        " · follow on".to_string()
    } else {
        format!(" · follow OFF, {} up", state.logs.scroll)
    };
    extra.push(Span::styled(follow, theme.label));
    if !state.logs.filter.is_empty() {
        extra.push(Span::styled(" · filter ", theme.label));
        extra.push(Span::styled(
            format!("/{}", format::sanitize(&state.logs.filter)),
            theme.matched,
        ));
        extra.push(Span::styled(
            format!(" {}/{}", lines.len(), state.logs.lines.len()),
            theme.label,
        ));
    }
    let (block, ink) = panel::frame(state, Panel::Logs, extra, area, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    if lines.is_empty() {
        let text = match selected {
            None if state.freshness(Panel::Logs.source()) == Freshness::Waiting => {
                "waiting for docker…".to_string()
            }
            None => "no container selected".to_string(),
            Some(_) if !state.logs.filter.is_empty() => {
                format!("no line matches /{}", state.logs.filter)
            }
            Some(row) => format!("no log lines from {} yet", row.info.name),
        };
        placeholder(frame, inner, &text, theme);
        return;
    }
    let (start, end) = window(
        lines.len(),
        inner.height as usize,
        state.logs.follow,
        state.logs.scroll,
    );
    let shown: Vec<Line> = lines[start..end]
        .iter()
        .map(|l| highlighted(l, &state.logs.filter, inner.width as usize, ink))
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn the_window_follows_or_stays_scrolled() {
        assert_eq!(window(100, 10, true, 0), (90, 100));
        assert_eq!(window(100, 10, false, 5), (85, 95));
        assert_eq!(window(5, 10, true, 0), (0, 5));
        assert_eq!(window(5, 10, false, 50), (0, 0));
    }
}
