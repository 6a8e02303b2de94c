//! `view(&State, &mut Frame)`: pure drawing. Reads State, never mutates it, never awaits.

mod backups;
pub mod bigtext;
mod canary;
mod containers;
mod drill;
mod events;
mod footer;
pub mod format;
mod header;
mod headline;
mod keycast;
pub mod layout;
mod logs;
mod overlay;
mod panel;
mod queue;
pub mod theme;
mod traffic;

pub use theme::{Palette, Theme};

use crate::app::state::Panel;
use crate::app::State;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the control room in the default theme.
pub fn view(state: &State, frame: &mut Frame) {
    view_with(state, frame, &Theme::default());
}

/// Draws the control room in `theme`; under NO_COLOR, pass `Theme::monochrome()`.
pub fn view_with(state: &State, frame: &mut Frame, theme: &Theme) {
    let area = frame.area();
    if area.is_empty() {
        return;
    }
    let loud;
    let theme = if state.show.presenter {
        loud = theme.presenter();
        &loud
    } else {
        theme
    };
    let header_height = header::height(state, area, theme);
    let headline_height = headline::height(state, area);
    let areas = layout::areas(state, area, header_height + headline_height);
    let [top, headline] = areas.header.layout(&ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Length(header_height),
        ratatui::layout::Constraint::Fill(1),
    ]));
    header::render(state, frame, top, theme);
    if headline_height > 0 {
        headline::render(state, frame, headline, theme);
    }
    if let Some(tabs) = areas.tabs {
        tab_bar(state, frame, tabs, theme);
    }
    for (panel, rect) in &areas.panels {
        render_panel(*panel, state, frame, *rect, theme);
    }
    footer::render(state, frame, areas.footer, theme);
    let body = body_of(&areas, area);
    overlay::render(state, frame, body, areas.footer, theme);
}

/// The ids of the containers whose rows are on screen at this terminal size: the runtime
/// reads stats for these only.
pub fn containers_on_screen(state: &State, area: Rect) -> Vec<String> {
    let header_height = header::height(state, area, &Theme::default());
    containers::on_screen(state, area, header_height + headline::height(state, area))
}

/// The space between the header (and tab bar) and the footer.
fn body_of(areas: &layout::Areas, area: Rect) -> Rect {
    let top = areas.tabs.unwrap_or(areas.header).bottom();
    let bottom = areas.footer.y.max(top);
    Rect::new(area.x, top, area.width, bottom - top)
}

fn render_panel(panel: Panel, state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    if area.is_empty() {
        return;
    }
    match panel {
        Panel::Containers => containers::render(state, frame, area, theme),
        Panel::Logs => logs::render(state, frame, area, theme),
        Panel::Queue => queue::render(state, frame, area, theme),
        Panel::Events => events::render(state, frame, area, theme),
        Panel::Traffic => traffic::render(state, frame, area, theme),
        Panel::Canary => canary::render(state, frame, area, theme),
        Panel::Backups => backups::render(state, frame, area, theme),
    }
}

/// `1 Containers  2 Logs  3 Queue …`, the focused one highlighted, a STALE or DOWN source named.
fn tab_bar(state: &State, frame: &mut Frame, area: Rect, theme: &Theme) {
    let tabs = |with_badges: bool| {
        let mut spans = Vec::new();
        for panel in Panel::ALL {
            let style = if panel == state.focus {
                theme.tab_active
            } else {
                theme.label
            };
            spans.push(Span::styled(
                format!(" {} {} ", panel::number(panel), panel.title()),
                style,
            ));
            let b = panel::badge(state, panel.source(), theme);
            if with_badges && b.old {
                spans.push(Span::styled(
                    b.text.split(' ').next().unwrap_or("").to_string(),
                    b.style,
                ));
            }
            spans.push(Span::raw(" "));
        }
        Line::from(spans)
    };
    let full = tabs(true);
    let line = if full.width() <= area.width as usize {
        full
    } else {
        header::clip(tabs(false), area.width as usize)
    };
    frame.render_widget(Paragraph::new(line), area);
}
