//! Postgres: events by status, how fast they arrive and finish, and how long the oldest waits.

use super::format;
use super::panel::{self, pairs, placeholder};
use super::theme::Theme;
use crate::app::state::Panel;
use crate::app::State;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};
use ratatui::Frame;

/// A queued event older than this is worth a warning.
const OLD_QUEUED_SECS: i64 = 30;

pub fn render(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    let ev = &state.events;
    let extra = match ev.counts {
        Some(c) => vec![Span::styled(
            format!(" · {} total", format::count(c.total())),
            theme.label,
        )],
        None => Vec::new(),
    };
    let (block, ink) = panel::frame(state, Panel::Events, extra, area, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let Some(c) = ev.counts else {
        placeholder(frame, inner, "waiting for postgres…", theme);
        return;
    };
    let n = |v: u64| format::count(v);
    let failed_style = if c.failed > 0 {
        theme.bad
    } else {
        theme.figure
    };
    let rate = |r: Option<f64>| r.map_or("-".to_string(), format::rate);
    let oldest = match ev.oldest_queued {
        Some(at) => {
            let age = state.now - at;
            let style = if age.num_seconds() > OLD_QUEUED_SECS {
                theme.warn
            } else {
                theme.figure
            };
            (format!("{} ago", format::age(age)), style)
        }
        None => ("none queued".to_string(), theme.label),
    };
    let mut lines: Vec<Line> = vec![
        pairs(
            &[
                ("queued", n(c.queued), theme.figure),
                ("processing", n(c.processing), theme.figure),
            ],
            ink,
        ),
        pairs(
            &[
                ("done", n(c.done), theme.ok),
                ("failed", n(c.failed), failed_style),
                ("total", n(c.total()), theme.figure),
            ],
            ink,
        ),
        pairs(
            &[
                ("in", rate(ev.in_rate), theme.figure),
                ("out", rate(ev.out_rate), theme.figure),
            ],
            ink,
        ),
        pairs(&[("oldest queued", oldest.0, oldest.1)], ink),
    ];
    lines.truncate(inner.height as usize);
    let [text, spark] = inner.layout(&Layout::vertical([
        Constraint::Length(lines.len() as u16),
        Constraint::Fill(1),
    ]));
    frame.render_widget(Paragraph::new(lines), text);
    // Room to spare: the arrival rate's history.
    if spark.height >= 2 && !ev.in_series.is_empty() {
        let [label, bars] = spark.layout(&Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
        ]));
        frame.render_widget(
            Paragraph::new(Span::styled("in/s, last readings", ink.st(theme.label))),
            label,
        );
        let values: Vec<u64> = ev
            .in_series
            .values()
            .map(|v| (v * 10.0).max(0.0) as u64)
            .collect();
        let tail = &values[values.len().saturating_sub(bars.width as usize)..];
        frame.render_widget(
            Sparkline::default()
                .data(tail.to_vec())
                .style(ink.st(theme.v2)),
            bars,
        );
    }
}
