//! The gateway's split between v1 and v2, and whether the traffic agrees with it.

use super::format;
use super::panel::{self, pairs, placeholder};
use super::theme::{Ink, Theme};
use crate::app::state::Panel;
use crate::app::State;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// Observed and applied shares may drift this many points apart before it is called out.
pub const MISMATCH_POINTS: f64 = 10.0;
/// Below this many requests per second the observed share is noise.
pub const MIN_RPS: f64 = 1.0;

/// The observed v2 share in percent when it disagrees with the applied split.
pub fn mismatch(state: &State) -> Option<f64> {
    let applied = f64::from(state.canary.applied?);
    let observed = state.observed_v2_share()? * 100.0;
    let rps: f64 = state.traffic.versions.values().map(|v| v.rps).sum();
    (rps > MIN_RPS && (observed - applied).abs() > MISMATCH_POINTS).then_some(observed)
}

/// A bar of `width` cells: v1's part solid, v2's part shaded, so it reads without colour.
fn bar(v2: u8, width: usize, ink: Ink) -> Line<'static> {
    let v2_cells = (width * usize::from(v2.min(100)) + 50) / 100;
    let v1_cells = width - v2_cells;
    Line::from(vec![
        Span::styled("█".repeat(v1_cells), ink.st(ink.theme.v1)),
        Span::styled("▒".repeat(v2_cells), ink.st(ink.theme.v2)),
    ])
}

pub fn render(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    let (block, ink) = panel::frame(state, Panel::Canary, Vec::new(), area, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let Some(applied) = state.canary.applied else {
        placeholder(frame, inner, "waiting for the gateway…", theme);
        return;
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("v1 ", ink.st(theme.v1)),
            Span::styled(format!("{}%", 100 - applied.min(100)), ink.st(theme.figure)),
            Span::styled("  │  ", ink.st(theme.label)),
            Span::styled("v2 ", ink.st(theme.v2)),
            Span::styled(format!("{applied}%"), ink.st(theme.figure)),
            Span::styled("  applied", ink.st(theme.label)),
        ]),
        bar(applied, inner.width as usize, ink),
    ];
    let rps: f64 = state.traffic.versions.values().map(|v| v.rps).sum();
    lines.push(match state.observed_v2_share() {
        Some(share) => pairs(
            &[(
                "observed v2",
                format!("{}  of {rps:.1} rps", format::percent(share * 100.0)),
                theme.figure,
            )],
            ink,
        ),
        None => pairs(&[("observed v2", "no traffic".into(), theme.label)], ink),
    });
    if let Some(observed) = mismatch(state) {
        lines.push(Line::from(vec![
            Span::styled(" MISMATCH ", theme.badge_down),
            Span::styled(
                format!(" traffic {observed:.0}% vs applied {applied}%"),
                theme.bad,
            ),
        ]));
    }
    let step = if state.readonly {
        format!("±{}%  (read-only)", state.canary.step)
    } else {
        format!("±{}%  (+/- on this panel)", state.canary.step)
    };
    lines.push(pairs(&[("step", step, theme.text)], ink));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
