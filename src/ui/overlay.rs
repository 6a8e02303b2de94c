//! What floats above the panels: help, the command line's candidates, the quit question and
//! toasts.

use super::format;
use super::header::clip;
use super::layout::centered;
use super::theme::Theme;
use crate::app::keymap;
use crate::app::state::{Mode, ToastLevel};
use crate::app::State;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Clear, Padding, Paragraph, Row, Table};
use ratatui::Frame;

/// `body` is the area between header and footer; `footer` is the line the input sits on.
pub fn render(state: &State, frame: &mut Frame, body: Rect, footer: Rect, theme: &Theme) {
    // Toasts stack above the keystroke overlay, which stays in its corner.
    let under = super::keycast::area(state, body).map_or(0, |a| body.bottom() - a.y);
    let above_keys = Rect {
        height: body.height - under,
        ..body
    };
    if matches!(state.mode, Mode::Normal | Mode::Filter(_)) {
        super::drill::render(state, frame, body, theme);
    }
    toasts(state, frame, above_keys, theme);
    match &state.mode {
        Mode::Help => help(state, frame, body, theme),
        Mode::Command(text) => candidates(text, frame, body, footer, theme),
        Mode::ConfirmQuit => confirm_quit(state, frame, body, theme),
        Mode::Confirm(c) => confirm_restore(c, frame, body, theme),
        Mode::Normal | Mode::Filter(_) => {}
    }
    // Last, so the viewer of a screencast sees the key that opened a popup.
    super::keycast::render(state, frame, body, theme);
}

fn popup<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.focus)
        .title(Line::styled(format!(" {title} "), theme.focus))
}

fn help(state: &State, frame: &mut Frame, body: Rect, theme: &Theme) {
    let rows = keymap::help_rows(state.readonly);
    if rows.len() as u16 + 3 > body.height {
        return help_here(state, rows, frame, theme);
    }
    let key_w = rows.iter().map(|r| format::width(&r.0)).max().unwrap_or(0) as u16 + 2;
    let where_w = rows.iter().map(|r| format::width(r.1)).max().unwrap_or(0) as u16;
    let what_w = rows.iter().map(|r| format::width(&r.2)).max().unwrap_or(0) as u16;
    let col_w = key_w + where_w + what_w + 2;
    let n = rows.len() as u16;
    let half = n.div_ceil(2);
    // Between the header and footer if it fits, in two columns if that fits, and over the
    // whole screen (without the column headings if need be) as a last resort.
    let full = frame.area();
    let (within, columns, headings) = if n + 3 <= body.height {
        (body, 1, true)
    } else if half + 3 <= body.height && col_w * 2 + 4 <= body.width {
        (body, 2, true)
    } else {
        (full, 1, n + 3 <= full.height)
    };
    let per = rows.len().div_ceil(columns);
    let width = col_w * columns as u16 + (columns as u16 - 1) * 2 + 4;
    let height = per as u16 + 2 + u16::from(headings);
    let area = centered(within, width, height);
    frame.render_widget(Clear, area);
    let block = popup("keys — any key closes", theme).padding(Padding::horizontal(1));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let parts =
        inner.layout_vec(&Layout::horizontal(vec![Constraint::Fill(1); columns]).spacing(2));
    for (chunk, part) in rows.chunks(per.max(1)).zip(parts) {
        let mut table = Table::new(
            chunk.iter().map(|(key, scope, what)| {
                Row::new([
                    Cell::from(Span::styled(format!(" {key} "), theme.key)),
                    Cell::from(Span::styled(*scope, theme.label)),
                    Cell::from(Span::styled(what.clone(), theme.text)),
                ])
            }),
            [
                Constraint::Length(key_w),
                Constraint::Length(where_w),
                Constraint::Fill(1),
            ],
        )
        .column_spacing(1);
        if headings {
            table = table.header(Row::new(["key", "where", "what"]).style(theme.label));
        }
        frame.render_widget(table, part);
    }
}

fn candidates(text: &str, frame: &mut Frame, body: Rect, footer: Rect, theme: &Theme) {
    let names = keymap::candidates(text);
    let rows: Vec<Line> = keymap::COMMANDS
        .iter()
        .filter(|(name, _, _)| names.contains(name))
        .map(|(name, aliases, what)| {
            Line::from(vec![
                Span::styled(format!(" {} ", format::pad(name, 10)), theme.figure),
                Span::styled(format::pad(&aliases.join(","), 8), theme.label),
                Span::styled(format!(" {what} "), theme.text),
            ])
        })
        .collect();
    let rows = if rows.is_empty() {
        vec![Line::styled(" no such command ", theme.bad)]
    } else {
        rows
    };
    let width = rows.iter().map(Line::width).max().unwrap_or(0) as u16 + 2;
    let height = (rows.len() as u16 + 2).min(body.height);
    // Just above the command line, at its left edge, as shells show completions.
    let area = Rect::new(
        footer.x,
        footer.y.saturating_sub(height).max(body.y),
        width.min(body.width),
        height,
    )
    .intersection(body);
    frame.render_widget(Clear, area);
    let block = popup("commands", theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(rows), inner);
}

fn confirm_quit(state: &State, frame: &mut Frame, body: Rect, theme: &Theme) {
    let question = if state.running_effects.len() == 1 {
        "an effect is running — quit anyway? y/n"
    } else {
        "effects are running — quit anyway? y/n"
    };
    let lines = vec![
        Line::styled(question, theme.figure),
        Line::styled(
            format::sanitize(&state.running_effects.join(", ")),
            theme.warn,
        ),
        Line::from(""),
        Line::from(vec![
            Span::styled(" y ", theme.key),
            Span::styled(" quit     ", theme.label),
            Span::styled(" n ", theme.key),
            Span::styled(" stay", theme.label),
        ]),
    ];
    question_box(frame, body, "quit?", lines, theme, true);
}

/// The restore question: the backup's id must be typed back before Enter restores.
fn confirm_restore(c: &crate::app::backups::Confirm, frame: &mut Frame, body: Rect, theme: &Theme) {
    let matches = c.typed.trim() == c.expect;
    let lines = vec![
        Line::styled(format::sanitize(&c.prompt), theme.figure),
        Line::from(""),
        Line::from(vec![
            Span::styled("type ", theme.label),
            Span::styled(c.expect.clone(), theme.key),
            Span::styled(" to confirm:", theme.label),
        ]),
        Line::from(vec![
            Span::styled(format!("> {}", format::sanitize(&c.typed)), theme.input),
            Span::styled("█", theme.input),
        ]),
        Line::from(""),
        Line::from(vec![
            Span::styled(" Enter ", theme.key),
            Span::styled(
                if matches {
                    " restore   "
                } else {
                    " (id first)   "
                },
                if matches { theme.warn } else { theme.label },
            ),
            Span::styled(" Esc ", theme.key),
            Span::styled(" cancel", theme.label),
        ]),
    ];
    question_box(frame, body, "restore?", lines, theme, false);
}

/// A question in a padded popup sized to its lines, centred in `body`.
fn question_box(
    frame: &mut Frame,
    body: Rect,
    title: &str,
    lines: Vec<Line>,
    theme: &Theme,
    centre_text: bool,
) {
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 6;
    let area = centered(body, width, lines.len() as u16 + 4);
    frame.render_widget(Clear, area);
    let block = popup(title, theme).padding(Padding::uniform(1));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| clip(l, inner.width as usize))
        .collect();
    let text = Paragraph::new(lines);
    let text = if centre_text { text.centered() } else { text };
    frame.render_widget(text, inner);
}

fn toasts(state: &State, frame: &mut Frame, body: Rect, theme: &Theme) {
    let live: Vec<_> = state.live_toasts().collect();
    if live.is_empty() || body.height < 3 {
        return;
    }
    let max_w = (body.width as usize).saturating_sub(4).min(60);
    let lines: Vec<Line> = live
        .iter()
        .rev()
        .take(body.height.saturating_sub(2) as usize)
        .map(|t| {
            let (tag, style) = match t.level {
                ToastLevel::Info => ("✔ ", theme.toast_info),
                ToastLevel::Error => ("✖ error: ", theme.toast_error),
            };
            let text = format::truncate(&format!("{tag}{}", format::sanitize(&t.text)), max_w);
            Line::styled(text, style)
        })
        .collect();
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 2;
    let height = lines.len() as u16 + 2;
    // Bottom right, above the footer, clear of the panels' titles.
    let area = Rect::new(
        body.right().saturating_sub(width + 1),
        body.bottom().saturating_sub(height + 1),
        width,
        height,
    )
    .intersection(body);
    frame.render_widget(Clear, area);
    let border = if live.iter().any(|t| t.level == ToastLevel::Error) {
        theme.toast_error
    } else {
        theme.toast_info
    };
    let block = Block::bordered().border_style(border);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Help on a small screen: the keys that work here (everywhere and in the focused panel), in
/// two columns of key and meaning, each meaning cut to fit.
fn help_here(
    state: &State,
    rows: Vec<(String, &'static str, String)>,
    frame: &mut Frame,
    theme: &Theme,
) {
    let here = state.focus.title();
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|(_, scope, _)| *scope == "anywhere" || *scope == here)
        .collect();
    let full = frame.area();
    let title = format!("keys here ({here}) — any key closes");
    let per = rows.len().div_ceil(2) as u16;
    let height = (per + 2).min(full.height);
    let area = centered(full, full.width.min(78), height);
    frame.render_widget(Clear, area);
    let block = popup(&title, theme).padding(Padding::horizontal(1));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let key_w = rows.iter().map(|r| format::width(&r.0)).max().unwrap_or(0) as u16 + 2;
    let parts = inner.layout_vec(&Layout::horizontal(vec![Constraint::Fill(1); 2]).spacing(2));
    for (chunk, part) in rows.chunks(per.max(1) as usize).zip(parts) {
        let what_w = part.width.saturating_sub(key_w + 1) as usize;
        let table = Table::new(
            chunk.iter().map(|(key, _, what)| {
                Row::new([
                    Cell::from(Span::styled(format!(" {key} "), theme.key)),
                    Cell::from(Span::styled(format::truncate(what, what_w), theme.text)),
                ])
            }),
            [Constraint::Length(key_w), Constraint::Fill(1)],
        )
        .column_spacing(1);
        frame.render_widget(table, part);
    }
}
