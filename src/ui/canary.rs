//! The gateway's split between v1 and v2, whether the traffic agrees with it, and the plan:
//! its step, the time left in the hold, and the guard's last decision.

use super::format;
use super::panel::{self, pairs, placeholder};
use super::theme::{Ink, Theme};
use crate::app::plan::{DecisionKind, Phase, PlanRun};
use crate::app::state::Panel;
use crate::app::State;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// A bar of `width` cells: v1's part solid, v2's part shaded, so it reads without colour.
fn bar(v2: u8, width: usize, ink: Ink) -> Line<'static> {
    let v2_cells = (width * usize::from(v2.min(100)) + 50) / 100;
    let v1_cells = width - v2_cells;
    Line::from(vec![
        Span::styled("█".repeat(v1_cells), ink.st(ink.theme.v1)),
        Span::styled("▒".repeat(v2_cells), ink.st(ink.theme.v2)),
    ])
}

/// `■■□□` for the steps done, the current one and those to come.
fn steps(run: &PlanRun) -> String {
    let n = run.spec.steps.len();
    let done = match run.phase {
        Phase::Done => n,
        Phase::Holding | Phase::Promoting => run.step + 1,
        _ => run.step,
    };
    (0..n).map(|i| if i < done { '■' } else { '□' }).collect()
}

fn plan_line(state: &State, run: &PlanRun, ink: Ink) -> Line<'static> {
    let theme = ink.theme;
    let n = run.spec.steps.len();
    let step = run.current();
    let mut spans = vec![
        Span::styled("plan ", ink.st(theme.label)),
        Span::styled(steps(run), ink.st(theme.v2)),
        Span::styled(
            format!(" {}/{n} → {}%  ", run.step + 1, step.weight),
            ink.st(theme.figure),
        ),
    ];
    let (word, style): (String, Style) = match run.phase {
        Phase::Done => ("DONE: v2 at 100%".into(), theme.ok),
        Phase::Aborted => ("ABORTED".into(), theme.badge_down),
        Phase::Aborting => ("aborting to 0%…".into(), theme.bad),
        Phase::Promoting => ("promoting to 100%…".into(), theme.warn),
        _ if run.blind.is_some() => ("PAUSED: guard blind".into(), theme.badge_stale),
        _ if run.user_paused => ("PAUSED".into(), theme.badge_stale),
        Phase::Applying => ("applying…".into(), theme.warn),
        Phase::Holding => match run.hold_left(state.now) {
            Some(left) if left > chrono::Duration::zero() => {
                (format!("hold {} left", format::age(left)), theme.text)
            }
            _ if !run.judged_healthy => ("held; waiting for the guard".into(), theme.warn),
            _ => ("held".into(), theme.text),
        },
    };
    spans.push(Span::styled(word, ink.st(style)));
    if matches!(run.phase, Phase::Applying | Phase::Holding) && run.breaches > 0 {
        spans.push(Span::styled(
            format!("  breach {}/{}", run.breaches, run.spec.guard.consecutive),
            ink.st(theme.bad),
        ));
    }
    Line::from(spans)
}

fn decision_line(state: &State, run: &PlanRun, ink: Ink) -> Option<Line<'static>> {
    let theme = ink.theme;
    let (label, text) = match (run.phase, &run.reason) {
        (Phase::Aborted | Phase::Aborting, Some(why)) => ("why ", why.clone()),
        _ => ("guard ", run.last.as_ref()?.text.clone()),
    };
    let style = match run.last.as_ref().map(|d| d.kind) {
        _ if run.phase == Phase::Aborted => theme.bad,
        Some(DecisionKind::Healthy) => theme.ok,
        Some(DecisionKind::Breach | DecisionKind::Bad) => theme.bad,
        Some(DecisionKind::NoData) => theme.warn,
        _ => theme.text,
    };
    let age = run
        .last
        .as_ref()
        .map(|d| format!(" ({} ago)", format::age(state.now - d.at)))
        .unwrap_or_default();
    Some(Line::from(vec![
        Span::styled(label, ink.st(theme.label)),
        Span::styled(format::sanitize(&text), ink.st(style)),
        Span::styled(age, ink.st(theme.label)),
    ]))
}

fn keys_line(state: &State, ink: Ink) -> Line<'static> {
    let theme = ink.theme;
    if state.readonly {
        return pairs(
            &[(
                "step",
                format!("±{}%  (read-only)", state.canary.step),
                theme.text,
            )],
            ink,
        );
    }
    let keys: &[(&str, &str)] = if state.canary.plan_active() {
        &[("Space", "pause"), ("P", "promote"), ("a", "abort")]
    } else {
        &[
            ("+/-", "±step"),
            ("s", "set"),
            ("p", "plan"),
            ("P", "promote"),
            ("a", "abort"),
        ]
    };
    let mut spans = Vec::new();
    for (i, (key, what)) in keys.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key.to_string(), ink.st(theme.key)));
        let what = if *what == "±step" {
            format!(" ±{}%", state.canary.step)
        } else {
            format!(" {what}")
        };
        spans.push(Span::styled(what, ink.st(theme.label)));
    }
    Line::from(spans)
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
    if let Some(run) = &state.canary.plan {
        lines.push(plan_line(state, run, ink));
        lines.extend(decision_line(state, run, ink));
    }
    // The guard's short window when it has been read: it follows a change sooner.
    let observed = match &state.canary.recent {
        Some(recent) => state.recent_v2_share().map(|s| {
            let rps: f64 = recent.versions.iter().map(|v| v.rps).sum();
            (s, rps, format!(" ({}s)", recent.window_secs))
        }),
        None => state.observed_v2_share().map(|s| {
            let rps: f64 = state.traffic.versions.values().map(|v| v.rps).sum();
            (s, rps, String::new())
        }),
    };
    lines.push(match observed {
        Some((share, rps, window)) => pairs(
            &[(
                "observed v2",
                format!(
                    "{}  of {rps:.1} rps{window}",
                    format::percent(share * 100.0)
                ),
                theme.figure,
            )],
            ink,
        ),
        None => pairs(&[("observed v2", "no traffic".into(), theme.label)], ink),
    });
    if let Some(observed) = state.canary_mismatch() {
        lines.push(Line::from(vec![
            Span::styled(" MISMATCH ", theme.badge_down),
            Span::styled(
                format!(" traffic {observed:.0}% vs applied {applied}%"),
                theme.bad,
            ),
        ]));
    }
    lines.push(keys_line(state, ink));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
