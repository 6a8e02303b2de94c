//! Prometheus: requests per second, errors and p95 per version, and RPS over time.

use super::format;
use super::panel::{self, placeholder};
use super::theme::{Ink, Theme};
use crate::app::msg::VersionTraffic;
use crate::app::state::Panel;
use crate::app::State;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph};
use ratatui::Frame;

/// Charts need this much room to say anything.
const CHART_MIN: (u16, u16) = (24, 5);

fn version_style(version: &str, theme: &Theme) -> Style {
    if version == "v2" {
        theme.v2
    } else {
        theme.v1
    }
}

fn marker(version: &str, theme: &Theme) -> Marker {
    if version == "v2" {
        theme.v2_marker
    } else {
        theme.v1_marker
    }
}

/// A few cells drawn the way the chart draws a flat line in `marker`.
fn sample_of(marker: Marker) -> &'static str {
    match marker {
        Marker::Dot => "•••",
        Marker::Block => "███",
        Marker::Bar => "▄▄▄",
        Marker::HalfBlock => "▀▀▀",
        _ => "⠒⠒⠒",
    }
}

/// One version's figures, with a verdict word so a colour is never the only warning.
fn row(state: &State, v: &VersionTraffic, ink: Ink) -> Line<'static> {
    let t = ink.theme;
    let th = &state.thresholds;
    let errors_high = v.error_ratio.is_some_and(|e| e > th.error_ratio);
    let slow = v.p95_ms.is_some_and(|p| p > th.p95_ms);
    let err = v
        .error_ratio
        .map_or("-".to_string(), |e| format::percent(e * 100.0));
    let p95 = v.p95_ms.map_or("-".to_string(), format::millis);
    let verdict = match (errors_high, slow) {
        (false, false) => Span::styled("ok", ink.st(t.ok)),
        (true, false) => Span::styled("ERRORS", ink.st(t.bad)),
        (false, true) => Span::styled("SLOW", ink.st(t.bad)),
        (true, true) => Span::styled("ERRORS+SLOW", ink.st(t.bad)),
    };
    let style = ink.st(version_style(&v.version, t));
    Line::from(vec![
        // Doubles as the chart's legend: the line's shape next to its name.
        Span::styled(format!("{} ", sample_of(marker(&v.version, t))), style),
        Span::styled(format::pad(&v.version, 4), style),
        Span::styled(
            format::pad_left(&format!("{:.1}", v.rps), 8),
            ink.st(t.figure),
        ),
        Span::styled(" rps", ink.st(t.label)),
        Span::styled(
            format::pad_left(&err, 8),
            ink.st(if errors_high { t.bad } else { t.figure }),
        ),
        Span::styled(" err", ink.st(t.label)),
        Span::styled(
            format::pad_left(&p95, 9),
            ink.st(if slow { t.bad } else { t.figure }),
        ),
        Span::styled(" p95  ", ink.st(t.label)),
        verdict,
    ])
}

pub fn render(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    let tr = &state.traffic;
    let total: f64 = tr.versions.values().map(|v| v.rps).sum();
    let extra = if tr.versions.is_empty() {
        Vec::new()
    } else {
        vec![Span::styled(format!(" · {total:.1} rps"), theme.label)]
    };
    let (block, ink) = panel::frame(state, Panel::Traffic, extra, area, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    if tr.versions.is_empty() {
        placeholder(frame, inner, "waiting for prometheus…", theme);
        return;
    }
    let rows: Vec<Line> = tr.versions.values().map(|v| row(state, v, ink)).collect();
    let [table, _, chart] = inner.layout(&Layout::vertical([
        Constraint::Length(rows.len() as u16),
        Constraint::Length(1),
        Constraint::Fill(1),
    ]));
    frame.render_widget(Paragraph::new(rows), table);
    if chart.width >= CHART_MIN.0 && chart.height >= CHART_MIN.1 {
        render_chart(state, frame, chart, ink);
    }
}

fn render_chart(state: &State, frame: &mut Frame, area: Rect, ink: Ink) {
    let t = ink.theme;
    let tr = &state.traffic;
    // x is seconds before now, so the newest point sits at the right edge.
    let series: Vec<(&String, Vec<(f64, f64)>)> = tr
        .rps_series
        .iter()
        .map(|(name, s)| {
            let pts = s
                .points()
                .map(|(at, v)| (-((state.now - *at).num_milliseconds() as f64) / 1000.0, *v))
                .collect();
            (name, pts)
        })
        .collect();
    let span = series
        .iter()
        .flat_map(|(_, pts)| pts.first())
        .map(|(x, _)| -x)
        .fold(10.0_f64, f64::max)
        .ceil();
    let top = tr
        .rps_series
        .values()
        .filter_map(|s| s.max())
        .fold(1.0_f64, f64::max);
    let top = (top * 1.2).ceil();
    let datasets = series
        .iter()
        .map(|(name, pts)| {
            Dataset::default()
                .name(name.to_string())
                .marker(marker(name, t))
                .graph_type(GraphType::Line)
                .style(ink.st(version_style(name, t)))
                .data(pts)
        })
        .collect();
    let label = |s: String| Span::styled(s, ink.st(t.label));
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([-span, 0.0])
                .labels([
                    label(format!(
                        "-{}",
                        format::age(chrono::Duration::seconds(span as i64))
                    )),
                    label(format!(
                        "-{}",
                        format::age(chrono::Duration::seconds((span / 2.0) as i64))
                    )),
                    label("now".into()),
                ])
                .style(ink.st(t.border)),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .labels([label("0".into()), label(format!("{top:.0} rps"))])
                .style(ink.st(t.border)),
        )
        .legend_position(None);
    frame.render_widget(chart, area);
}
