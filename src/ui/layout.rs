//! Where each panel goes at each terminal size.

use crate::app::state::Panel;
use crate::app::State;
use ratatui::layout::{Constraint, Layout, Rect};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Small terminals: one panel at a time behind a tab bar.
    Tabs,
    /// Containers across the top, the rest below.
    Grid,
    /// Large terminals: two columns, larger charts.
    Wide,
}

impl Shape {
    pub fn of(area: Rect) -> Shape {
        if area.width < 100 || area.height < 30 {
            Shape::Tabs
        } else if area.width >= 180 && area.height >= 50 {
            Shape::Wide
        } else {
            Shape::Grid
        }
    }
}

pub struct Areas {
    pub shape: Shape,
    pub header: Rect,
    pub tabs: Option<Rect>,
    pub panels: Vec<(Panel, Rect)>,
    pub footer: Rect,
}

/// Rows the containers table wants: its rows, a header row and the borders.
fn containers_height(state: &State) -> u16 {
    (state.visible_containers().len() as u16).max(1) + 3
}

pub fn areas(state: &State, area: Rect, header_height: u16) -> Areas {
    let shape = Shape::of(area);
    let footer_height = u16::from(area.height >= 3);
    let tab_height = u16::from(shape == Shape::Tabs && area.height >= 8);
    let [header, tabs, body, footer] = area.layout(&Layout::vertical([
        Constraint::Length(header_height.min(area.height)),
        Constraint::Length(tab_height),
        Constraint::Fill(1),
        Constraint::Length(footer_height),
    ]));
    let panels = match shape {
        Shape::Tabs => vec![(state.focus, body)],
        Shape::Grid => grid(state, body),
        Shape::Wide => wide(state, body),
    };
    Areas {
        shape,
        header,
        tabs: (tab_height > 0).then_some(tabs),
        panels,
        footer,
    }
}

/// In the grid, backups share the logs' place: they take it while focused or while an
/// operation runs, so a restore's progress is on screen beside the events it changes.
fn detail_panel(state: &State) -> Panel {
    if state.focus == Panel::Backups || state.backups.running.is_some() {
        Panel::Backups
    } else {
        Panel::Logs
    }
}

fn grid(state: &State, body: Rect) -> Vec<(Panel, Rect)> {
    let top = containers_height(state).min(body.height * 2 / 5);
    let [containers, middle, bottom] = body.layout(&Layout::vertical([
        Constraint::Length(top),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ]));
    let [logs, counts] = middle.layout(&Layout::horizontal([
        Constraint::Percentage(55),
        Constraint::Fill(1),
    ]));
    let [queue, events] = counts.layout(&Layout::vertical([
        Constraint::Fill(1),
        Constraint::Fill(1),
    ]));
    let [traffic, canary] = bottom.layout(&Layout::horizontal([
        Constraint::Percentage(62),
        Constraint::Fill(1),
    ]));
    vec![
        (Panel::Containers, containers),
        (detail_panel(state), logs),
        (Panel::Queue, queue),
        (Panel::Events, events),
        (Panel::Traffic, traffic),
        (Panel::Canary, canary),
    ]
}

fn wide(state: &State, body: Rect) -> Vec<(Panel, Rect)> {
    let [left, right] = body.layout(&Layout::horizontal([
        Constraint::Percentage(58),
        Constraint::Fill(1),
    ]));
    let top = containers_height(state).min(left.height / 2);
    let [containers, logs, backups] = left.layout(&Layout::vertical([
        Constraint::Length(top),
        Constraint::Fill(1),
        Constraint::Length(10),
    ]));
    let [counts, traffic, canary] = right.layout(&Layout::vertical([
        Constraint::Length(12),
        Constraint::Fill(1),
        Constraint::Length(9),
    ]));
    let [queue, events] = counts.layout(&Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Fill(1),
    ]));
    vec![
        (Panel::Containers, containers),
        (Panel::Logs, logs),
        (Panel::Queue, queue),
        (Panel::Events, events),
        (Panel::Traffic, traffic),
        (Panel::Canary, canary),
        (Panel::Backups, backups),
    ]
}

/// A rectangle of at most `width`×`height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
