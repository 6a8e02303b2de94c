//! The drill panel: over the body while a drill is loaded and shown. Its briefing, the clock,
//! the current step, the hypothesis checks turning green, red or unknown live, the objectives
//! ticking off, and the score once it is over.

use super::theme::Theme;
use crate::app::drill::eval::ObjectiveState;
use crate::app::drill::spec::num;
use crate::app::drill::{CheckState, DrillRun, Phase};
use crate::app::State;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use ratatui::Frame;

pub fn render(state: &State, frame: &mut Frame, body: Rect, theme: &Theme) {
    let Some(run) = state.drill.as_ref().filter(|_| state.show_drill) else {
        return;
    };
    if body.width < 20 || body.height < 5 {
        return;
    }
    let w = body.width.min(100).max(body.width * 9 / 10);
    let area = Rect {
        x: body.x + (body.width - w) / 2,
        y: body.y,
        width: w,
        height: body.height,
    };
    let title = format!(" Drill: {} ", run.spec.title);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.focus)
        .title(Line::styled(title, theme.focus));
    frame.render_widget(Clear, area);
    let lines = lines(run, state, theme);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn clock(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    format!("{:02}:{:02}", s / 60, s % 60)
}

fn lines<'a>(run: &'a DrillRun, state: &State, theme: &Theme) -> Vec<Line<'a>> {
    let now = run.now(state);
    let mut out = Vec::new();
    let mut status = vec![
        Span::styled(run.phase.name().to_uppercase(), theme.title),
        Span::styled(
            format!("  ⏱ {}", clock(run.elapsed(now).unwrap_or(0.0))),
            theme.figure,
        ),
    ];
    if run.paused() {
        status.push(Span::styled("  PAUSED (rollbacks ran)", theme.warn));
    }
    if matches!(run.phase, Phase::Setup | Phase::Method) {
        if let Some(step) = run.spec.method.get(run.step) {
            let (word, i, n) = crate::app::drill::drive::step_of(run);
            status.push(Span::styled(
                format!("  {word} {i}/{n}: {}", step.name),
                theme.text,
            ));
        }
    }
    out.push(Line::from(status));
    if run.phase == Phase::Briefing {
        out.push(Line::raw(""));
        for l in run.spec.briefing.lines() {
            out.push(Line::styled(l.to_string(), theme.text));
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Steady-state hypothesis", theme.label));
    for (h, c) in run.spec.hypothesis.iter().zip(&run.checks) {
        let (mark, style) = match c {
            CheckState::Green => ("●", theme.ok),
            CheckState::Red => ("●", theme.bad),
            CheckState::Unknown(_) => ("?", theme.stale),
        };
        let value = run
            .figures
            .iter()
            .find(|f| f.name == h.check.figure.name())
            .and_then(|f| f.now)
            .map_or(String::new(), |v| {
                format!("  now {}", num((v * 1000.0).round() / 1000.0))
            });
        let why = match c {
            CheckState::Unknown(why) if run.is_active() => format!("  ({why})"),
            _ => String::new(),
        };
        out.push(Line::from(vec![
            Span::styled(format!(" {mark} {:<7} ", c.word()), style),
            Span::styled(format!("{}: {}", h.name, h.check.describe()), theme.text),
            Span::styled(format!("{value}{why}"), theme.figure),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Objectives", theme.label));
    for (o, s) in run.spec.objectives.iter().zip(&run.objectives) {
        let (mark, style, tail) = match s {
            ObjectiveState::Met { secs, .. } => ("✓", theme.ok, format!("met in {secs:.0}s")),
            ObjectiveState::Missed => ("✗", theme.bad, "missed".into()),
            ObjectiveState::Open { deadline, .. } => {
                let left = (*deadline - now).num_seconds().max(0);
                ("…", theme.warn, format!("{left}s left"))
            }
            ObjectiveState::Waiting => ("·", theme.stale, "not started".into()),
        };
        out.push(Line::from(vec![
            Span::styled(format!(" {mark} "), style),
            Span::styled(format!("{}: ", o.name), theme.text),
            Span::styled(tail, theme.label),
        ]));
    }
    if run.is_over() {
        let s = run.score();
        let fmt = |v: Option<f64>| v.map_or("–".to_string(), |s| format!("{s:.0}s"));
        out.push(Line::raw(""));
        out.push(Line::from(vec![
            Span::styled("Score  ", theme.label),
            Span::styled(
                s.outcome.describe(),
                if s.held { theme.ok } else { theme.bad },
            ),
            Span::styled(
                format!(
                    " · detect {} · recover {} · objectives {}/{}",
                    fmt(s.time_to_detect_secs),
                    fmt(s.time_to_recover_secs),
                    s.objectives_met,
                    s.objectives
                ),
                theme.figure,
            ),
        ]));
    }
    if let Some(e) = run.timeline.last() {
        out.push(Line::raw(""));
        out.push(Line::styled(
            format!("{:>5.0}s {} {}", e.elapsed, e.kind.word(), e.text),
            theme.label,
        ));
    }
    out.push(Line::raw(""));
    let keys = match run.phase {
        Phase::Briefing => "E start · d hide",
        Phase::Done => "E run again · d hide",
        _ => "H pause/resume · A abort (rollbacks run) · d hide",
    };
    out.push(Line::styled(keys, theme.key));
    out
}
