//! Redis: jobs waiting and being worked on, how fast they come and go, and the depth's history.

use super::format;
use super::panel::{self, pairs, placeholder};
use super::theme::Theme;
use crate::app::state::Panel;
use crate::app::State;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Sparkline};
use ratatui::Frame;

pub fn render(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    let q = &state.queue;
    let over = q.depth.is_some_and(|d| d > state.thresholds.queue_depth);
    let mut extra = Vec::new();
    if let Some(max) = q.depth_series.max() {
        extra.push(Span::styled(
            format!(" · max {}", format::count(max as u64)),
            theme.label,
        ));
    }
    let (block, ink) = panel::frame(state, Panel::Queue, extra, area, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let Some(depth) = q.depth else {
        placeholder(frame, inner, "waiting for redis…", theme);
        return;
    };
    let depth_text = if over {
        format!(
            "{} OVER {}",
            format::count(depth),
            format::count(state.thresholds.queue_depth)
        )
    } else {
        format::count(depth)
    };
    let depth_style = if over { theme.bad } else { theme.figure };
    let rate = |r: Option<f64>| r.map_or("-".to_string(), format::rate);
    let lines = vec![
        pairs(
            &[
                ("depth", depth_text, depth_style),
                (
                    "processing",
                    q.processing.map_or("-".into(), format::count),
                    theme.figure,
                ),
            ],
            ink,
        ),
        pairs(
            &[
                ("in", rate(state.events.in_rate), theme.figure),
                ("out", rate(state.events.out_rate), theme.figure),
            ],
            ink,
        ),
    ];
    let [text, spark] = inner.layout(&Layout::vertical([
        Constraint::Length(2),
        Constraint::Fill(1),
    ]));
    frame.render_widget(Paragraph::new(lines), text);
    if spark.height == 0 || spark.width == 0 {
        return;
    }
    // The newest points, one per cell, ending at the right edge.
    let values: Vec<u64> = q.depth_series.values().map(|v| v.max(0.0) as u64).collect();
    let tail = &values[values.len().saturating_sub(spark.width as usize)..];
    let style = ink.st(if over { theme.bad } else { theme.v1 });
    let max = tail
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .max(state.thresholds.queue_depth / 4)
        .max(1);
    frame.render_widget(
        Sparkline::default()
            .data(tail.to_vec())
            .max(max)
            .style(style),
        spark,
    );
}
