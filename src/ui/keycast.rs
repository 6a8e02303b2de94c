//! The keystroke overlay for screencasts: the last keys pressed, bottom right, each fading
//! as it ages by State's clock and gone after `KEY_ECHO_SECS`.

use super::theme::Theme;
use crate::app::State;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

fn chips(state: &State, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (key, age) in state.echoed_keys() {
        // Pressed this second: full strength; older: dimmed on its way out.
        let style = if age.num_seconds() < 1 {
            theme.key
        } else {
            theme.key.add_modifier(Modifier::DIM)
        };
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        let text = if key.times > 1 {
            format!(" {} ×{} ", key.label, key.times)
        } else {
            format!(" {} ", key.label)
        };
        spans.push(Span::styled(text, style));
    }
    spans
}

/// Where the overlay goes in `body`, when it has anything to show.
pub fn area(state: &State, body: Rect) -> Option<Rect> {
    if !state.show.keys || body.height < 5 || body.width < 12 {
        return None;
    }
    let width = chips_width(state)?;
    let width = (width + 2).min(body.width - 2);
    // One row clear of the footer, as the toasts keep.
    Some(Rect::new(
        body.right() - width - 1,
        body.bottom() - 4,
        width,
        3,
    ))
}

fn chips_width(state: &State) -> Option<u16> {
    let line = Line::from(chips(state, &Theme::monochrome()));
    (line.width() > 0).then_some(line.width() as u16)
}

pub fn render(state: &State, frame: &mut Frame, body: Rect, theme: &Theme) {
    let Some(area) = area(state, body) else {
        return;
    };
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Line::styled(" keys ", theme.label));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // The newest keys matter most: when the row is too narrow, the oldest are cut.
    let line = Line::from(chips(state, theme)).right_aligned();
    frame.render_widget(Paragraph::new(line).right_aligned(), inner);
}
