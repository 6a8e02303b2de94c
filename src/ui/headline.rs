//! The presenter theme's headline: the figures a room watches — the canary split, the queue
//! depth and the error ratio — in big block digits across the top, legible from the back.

use super::bigtext::{self, Size};
use super::theme::{Ink, Theme};
use crate::app::state::Freshness;
use crate::app::{Source, State};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The font that fits: full blocks on a tall screen, half blocks otherwise, none on a tiny one.
fn size(area: Rect) -> Option<Size> {
    if area.height >= 40 && area.width >= 120 {
        Some(Size::Full)
    } else if area.height >= 20 && area.width >= 60 {
        Some(Size::Half)
    } else {
        None
    }
}

/// Rows the headline takes on this screen when the presenter theme is on.
pub fn height(state: &State, area: Rect) -> u16 {
    match size(area) {
        Some(s) if state.show.presenter => s.height() + 1,
        _ => 0,
    }
}

struct Figure {
    label: &'static str,
    text: String,
    style: Style,
    source: Source,
}

/// 5xx share of all requests, weighted by each version's rate.
fn error_ratio(state: &State) -> Option<f64> {
    let (errors, total) = state
        .traffic
        .versions
        .values()
        .fold((0.0, 0.0), |(e, t), v| {
            (e + v.rps * v.error_ratio.unwrap_or(0.0), t + v.rps)
        });
    (total > 0.0).then(|| errors / total)
}

/// A depth in at most four glyphs: `42`, `1234`, `12k`, `3M`.
fn short_count(n: u64) -> String {
    match n {
        0..=9999 => n.to_string(),
        10_000..=999_999 => format!("{}k", n / 1000),
        _ => format!("{}M", n / 1_000_000),
    }
}

fn figures(state: &State, theme: &Theme) -> [Figure; 3] {
    let t = &state.thresholds;
    let canary = state.canary.applied;
    let depth = state.queue.depth;
    let errors = error_ratio(state);
    [
        Figure {
            label: "CANARY → v2",
            text: canary.map_or("--".into(), |p| format!("{p}%")),
            style: theme.v2,
            source: Source::Gateway,
        },
        Figure {
            label: "QUEUE",
            text: depth.map_or("--".into(), short_count),
            style: match depth {
                Some(d) if d > t.queue_depth => theme.bad,
                _ => theme.figure,
            },
            source: Source::Redis,
        },
        Figure {
            label: "ERRORS",
            text: errors.map_or("--".into(), |r| format!("{:.1}%", r * 100.0)),
            style: match errors {
                Some(r) if r > t.error_ratio => theme.bad,
                Some(_) => theme.ok,
                None => theme.figure,
            },
            source: Source::Prometheus,
        },
    ]
}

pub fn render(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    let Some(mut font) = size(frame.area()) else {
        return;
    };
    let figures = figures(state, theme);
    let cells = area.layout_vec(&Layout::horizontal([Constraint::Fill(1); 3]).spacing(1));
    // One font for all three, the largest that fits each cell.
    if figures
        .iter()
        .zip(&cells)
        .any(|(f, c)| bigtext::width(&f.text, font) > c.width)
    {
        font = Size::Half;
    }
    for (figure, cell) in figures.iter().zip(cells) {
        let old = matches!(
            state.freshness(figure.source),
            Freshness::Stale | Freshness::Down(_)
        );
        let ink = Ink::new(theme, old);
        let label = if old {
            format!("{} (old)", figure.label)
        } else {
            figure.label.to_string()
        };
        let mut lines = vec![Line::styled(label, ink.st(theme.label))];
        if bigtext::width(&figure.text, font) <= cell.width {
            lines.extend(
                bigtext::render(&figure.text, font)
                    .into_iter()
                    .map(|l| Line::styled(l, ink.st(figure.style))),
            );
        } else {
            lines.push(Line::styled(figure.text.clone(), ink.st(figure.style)));
        }
        frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center), cell);
    }
}

#[cfg(test)]
mod tests {
    use super::short_count;

    #[test]
    fn counts_fit_four_glyphs() {
        assert_eq!(short_count(42), "42");
        assert_eq!(short_count(12_345), "12k");
        assert_eq!(short_count(3_400_000), "3M");
    }
}
