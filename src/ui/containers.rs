//! One row per container of the lab: state, health, uptime, restarts, CPU, memory, network and
//! the last Docker event.

use super::format;
use super::panel::{self, placeholder};
use super::theme::Ink;
use super::theme::Theme;
use crate::app::chaos;
use crate::app::state::{ContainerRow, Freshness, Panel};
use crate::app::State;
use chrono::Duration;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};
use ratatui::Frame;

/// Docker events older than this are history, not news.
const RECENT_EVENT_SECS: i64 = 300;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Col {
    Service,
    State,
    Health,
    Uptime,
    Restarts,
    Cpu,
    Mem,
    Net,
    Event,
}

/// Columns in the order they are given room when the panel is narrow.
const PRIORITY: [Col; 9] = [
    Col::Service,
    Col::State,
    Col::Cpu,
    Col::Mem,
    Col::Health,
    Col::Uptime,
    Col::Event,
    Col::Restarts,
    Col::Net,
];

const MEM_SHORT: u16 = 8;
const MEM_LONG: u16 = 19;

fn col_width(col: Col, service: u16) -> u16 {
    match col {
        Col::Service => service,
        Col::State => 11,
        Col::Health => 9,
        Col::Uptime => 6,
        Col::Restarts => 3,
        Col::Cpu => 6,
        Col::Mem => MEM_SHORT,
        Col::Net => 17,
        Col::Event => 16,
    }
}

fn heading(col: Col) -> &'static str {
    match col {
        Col::Service => "SERVICE",
        Col::State => "STATE",
        Col::Health => "HEALTH",
        Col::Uptime => "UP",
        Col::Restarts => "RST",
        Col::Cpu => "CPU",
        Col::Mem => "MEMORY",
        Col::Net => "NET ↓/↑",
        Col::Event => "LAST EVENT",
    }
}

/// The columns that fit in `width` cells, in display order, and whether memory shows its limit.
fn columns(width: u16, service: u16) -> (Vec<(Col, u16)>, bool) {
    let mut used = 0u16;
    let mut cols = Vec::new();
    for col in PRIORITY {
        let w = col_width(col, service);
        let need = w + u16::from(!cols.is_empty());
        if used + need <= width {
            used += need;
            cols.push((col, w));
        }
    }
    let long_mem =
        used + (MEM_LONG - MEM_SHORT) <= width && cols.iter().any(|(c, _)| *c == Col::Mem);
    if long_mem {
        for (c, w) in cols.iter_mut() {
            if *c == Col::Mem {
                *w = MEM_LONG;
            }
        }
    }
    cols.sort_by_key(|(c, _)| *c);
    (cols, long_mem)
}

fn state_text(row: &ContainerRow) -> String {
    match (row.info.state.as_str(), row.info.exit_code) {
        ("exited", Some(code)) => format!("exited({code})"),
        (s, _) => s.to_string(),
    }
}

fn state_style(state: &str, theme: &Theme) -> Style {
    match state {
        "running" => theme.ok,
        "paused" | "restarting" | "created" => theme.warn,
        _ => theme.bad,
    }
}

fn cell(state: &State, row: &ContainerRow, col: Col, long_mem: bool, ink: Ink) -> Cell<'static> {
    let t = ink.theme;
    let running = row.info.state == "running";
    let dash = || Span::styled("-", ink.st(t.label));
    let span = match col {
        Col::Service => Span::styled(row.info.service.clone(), ink.st(t.figure)),
        // A fault in force shows instead of the state, with its countdown to the undo.
        Col::State => match state.chaos.on(&row.info.id) {
            Some(f) => Span::styled(chaos::badge(f, state.now), ink.st(t.bad)),
            None => Span::styled(state_text(row), ink.st(state_style(&row.info.state, t))),
        },
        Col::Health => match row.info.health.as_deref() {
            Some(h @ "healthy") => Span::styled(h.to_string(), ink.st(t.ok)),
            Some(h @ "starting") => Span::styled(h.to_string(), ink.st(t.warn)),
            Some(h) => Span::styled(h.to_string(), ink.st(t.bad)),
            None => dash(),
        },
        Col::Uptime => match row.info.started_at {
            Some(at) if running => Span::styled(format::age(state.now - at), ink.st(t.text)),
            _ => dash(),
        },
        Col::Restarts => {
            let style = if row.info.restarts > 0 {
                t.warn
            } else {
                t.text
            };
            Span::styled(row.info.restarts.to_string(), ink.st(style))
        }
        Col::Cpu => match row.stats.as_ref().and_then(|s| s.cpu_percent) {
            Some(cpu) => Span::styled(format::percent(cpu), ink.st(t.figure)),
            None => dash(),
        },
        Col::Mem => match &row.stats {
            Some(s) if long_mem && s.mem_limit > 0 => Span::styled(
                format!(
                    "{} / {}",
                    format::bytes(s.mem_bytes),
                    format::bytes(s.mem_limit)
                ),
                ink.st(t.text),
            ),
            Some(s) => Span::styled(format::bytes(s.mem_bytes), ink.st(t.text)),
            None => dash(),
        },
        Col::Net => match &row.stats {
            Some(s) => Span::styled(
                format!("↓{} ↑{}", format::bytes(s.net_rx), format::bytes(s.net_tx)),
                ink.st(t.text),
            ),
            None => dash(),
        },
        Col::Event => match &row.last_event {
            Some((at, action)) if state.now - *at <= Duration::seconds(RECENT_EVENT_SECS) => {
                let ago = format!(" {} ago", format::age(state.now - *at));
                let room = 16usize.saturating_sub(ago.len());
                let action = format::truncate(&format::sanitize(action), room);
                Span::styled(format!("{action}{ago}"), ink.st(t.warn))
            }
            _ => Span::raw(""),
        },
    };
    Cell::from(Line::from(span))
}

pub fn render(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    let rows = state.visible_containers();
    let mut extra = vec![Span::styled(format!(" ({})", rows.len()), theme.label)];
    if !state.container_filter.is_empty() {
        extra.push(Span::styled(" filter ", theme.label));
        extra.push(Span::styled(
            format!("/{}", format::sanitize(&state.container_filter)),
            theme.matched,
        ));
    }
    let (block, ink) = panel::frame(state, Panel::Containers, extra, area, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    if rows.is_empty() {
        let text = if !state.container_filter.is_empty() {
            format!("no container matches /{}", state.container_filter)
        } else if state.freshness(Panel::Containers.source()) == Freshness::Waiting {
            "waiting for docker…".to_string()
        } else {
            format!("no containers in project `{}`", state.project)
        };
        placeholder(frame, inner, &text, theme);
        return;
    }
    let service = rows
        .iter()
        .map(|r| format::width(&r.info.service) as u16)
        .max()
        .unwrap_or(0)
        .clamp(7, 20);
    // Two cells go to the selection marker.
    let (cols, long_mem) = columns(inner.width.saturating_sub(2), service);
    let header = Row::new(
        cols.iter()
            .map(|(c, _)| Cell::from(Span::styled(heading(*c), ink.theme.label))),
    );
    let body = rows.iter().map(|row| {
        Row::new(
            cols.iter()
                .map(|(c, _)| cell(state, row, *c, long_mem, ink))
                .collect::<Vec<_>>(),
        )
    });
    let focused = state.focus == Panel::Containers;
    let highlight = if focused {
        theme.selected
    } else {
        theme.figure
    };
    let table = Table::new(body, cols.iter().map(|(_, w)| Constraint::Length(*w)))
        .header(header)
        .column_spacing(1)
        .row_highlight_style(highlight)
        .highlight_symbol("▶ ");
    let mut table_state = TableState::new().with_selected(Some(state.selected));
    frame.render_stateful_widget(table, inner, &mut table_state);
}

/// The ids of the container rows the screen shows, as the table above lays them out: only
/// their stats need reading. Empty when the containers panel is not on screen.
pub fn on_screen(state: &State, area: Rect, header_height: u16) -> Vec<String> {
    let areas = super::layout::areas(state, area, header_height);
    let Some((_, rect)) = areas
        .panels
        .iter()
        .find(|(panel, _)| *panel == Panel::Containers)
    else {
        return Vec::new();
    };
    // Borders above and below, and the table's heading row.
    let rows = rect.height.saturating_sub(3) as usize;
    let visible = state.visible_containers();
    // Ratatui scrolls just far enough to keep the selected row in view.
    let offset = (state.selected + 1).saturating_sub(rows);
    visible
        .iter()
        .skip(offset)
        .take(rows)
        .map(|r| r.info.id.clone())
        .collect()
}
