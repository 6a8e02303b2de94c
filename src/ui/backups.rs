//! Backups: the running operation's gauge (bytes, rate, elapsed), how the last one ended, and
//! the backups with age, size, rows and verification state.

use super::format;
use super::panel::{self, placeholder};
use super::theme::Theme;
use crate::app::backup::{Kind, Manifest};
use crate::app::state::Panel;
use crate::app::State;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};
use ratatui::Frame;

/// How long the last operation's outcome stays on the panel.
const LAST_SECS: i64 = 120;

pub fn render(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    let bk = &state.backups;
    let extra = if bk.listed {
        let verified = bk.list.iter().filter(|m| m.verified_ok()).count();
        vec![Span::styled(
            format!(" · {} kept, {verified} verified", bk.list.len()),
            theme.label,
        )]
    } else {
        Vec::new()
    };
    let (block, ink) = panel::frame(state, Panel::Backups, extra, area, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let mut at = Rows {
        area: inner,
        y: inner.y,
    };
    let line = |frame: &mut Frame, at: &mut Rows, l: Line| {
        if let Some(r) = at.next() {
            let l = super::header::clip(l, inner.width as usize);
            frame.render_widget(Paragraph::new(l), r);
        }
    };
    if let Some((op, progress)) = &bk.running {
        let head = match progress {
            Some(p) => format!("▶ {op} · {}", p.phase),
            None => format!("▶ {op} · starting"),
        };
        line(
            frame,
            &mut at,
            Line::styled(format::sanitize(&head), theme.figure),
        );
        if let Some(p) = progress {
            let figures = format!(
                "{} · {}/s · {:.1}s",
                format::bytes(p.bytes),
                format::bytes(p.rate() as u64),
                p.elapsed_ms as f64 / 1000.0
            );
            match p.total.filter(|t| *t > 0) {
                Some(total) if at.left() > 0 => {
                    let ratio = (p.bytes as f64 / total as f64).clamp(0.0, 1.0);
                    let gauge = Gauge::default()
                        .ratio(ratio)
                        .label(format!("{figures} · {:.0}%", ratio * 100.0))
                        .gauge_style(theme.focus)
                        .use_unicode(true);
                    if let Some(r) = at.next() {
                        frame.render_widget(gauge, r);
                    }
                }
                _ => line(frame, &mut at, Line::styled(figures, theme.label)),
            }
        }
    } else if let Some((when, result)) = &bk.last {
        if (state.now - *when).num_seconds() < LAST_SECS {
            let (mark, text, style) = match result {
                Ok(t) => ("✓", t, theme.ok),
                Err(e) => ("✗", e, theme.bad),
            };
            line(
                frame,
                &mut at,
                Line::styled(format::sanitize(&format!("{mark} {text}")), style),
            );
        }
    }
    if !bk.problems.is_empty() {
        let text = format!(
            "{} unreadable: {}",
            bk.problems.len(),
            format::sanitize(&bk.problems[0])
        );
        line(frame, &mut at, Line::styled(text, theme.warn));
    }
    if !bk.listed {
        if let Some(r) = at.next() {
            placeholder(frame, r, "reading…", theme);
        }
        return;
    }
    if bk.list.is_empty() {
        let hint = if state.readonly {
            "no backup yet".to_string()
        } else {
            format!("no backup yet · b takes one · in {}", bk.dir)
        };
        line(
            frame,
            &mut at,
            Line::styled(format::sanitize(&hint), theme.label),
        );
        return;
    }
    let rows = at.left() as usize;
    if rows == 0 {
        return;
    }
    // Keep the selected backup in view.
    let first = bk.selected.saturating_sub(rows.saturating_sub(1));
    let focused = state.focus == Panel::Backups;
    for (i, m) in bk.list.iter().enumerate().skip(first).take(rows) {
        let selected = focused && i == bk.selected;
        let l = row(state, m, inner.width as usize, theme, selected);
        line(frame, &mut at, l);
    }
    let _ = ink;
}

/// The next free one-line rows of a panel.
struct Rows {
    area: Rect,
    y: u16,
}

impl Rows {
    fn next(&mut self) -> Option<Rect> {
        (self.y < self.area.bottom()).then(|| {
            self.y += 1;
            Rect::new(self.area.x, self.y - 1, self.area.width, 1)
        })
    }

    fn left(&self) -> u16 {
        self.area.bottom().saturating_sub(self.y)
    }
}

fn row<'a>(
    state: &State,
    m: &'a Manifest,
    width: usize,
    theme: &Theme,
    selected: bool,
) -> Line<'a> {
    let at = m
        .started_at
        .with_timezone(&state.backups.offset)
        .format("%H:%M:%S");
    let age = format::age(state.now - m.finished_at);
    let (word, style) = match &m.verified {
        Some(v) if v.ok => ("verified", theme.ok),
        Some(_) => ("FAILED", theme.bad),
        None => ("unverified", theme.label),
    };
    let kind = match m.kind {
        Kind::Dump => "dump",
        Kind::Base => "base",
    };
    let mut cells = vec![
        format!("{at} "),
        format!("{kind} "),
        format!("{:>6} ", age),
        format!("{:>9} ", format::bytes(m.size)),
    ];
    if width >= 52 {
        cells.push(format!(
            "{:>8} rows ",
            format::count(m.total_rows().max(0) as u64)
        ));
    }
    let mut spans: Vec<Span> = cells
        .into_iter()
        .map(|c| Span::styled(c, theme.text))
        .collect();
    spans.push(Span::styled(word, style));
    if width >= 70 && m.reason != "manual" {
        spans.push(Span::styled(format!("  {}", m.reason), theme.label));
    }
    let mut l = Line::from(spans);
    if selected {
        l = l.style(theme.selected);
    }
    l
}
