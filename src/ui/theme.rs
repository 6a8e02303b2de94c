//! Colours and emphasis. Every meaning a colour carries is also said in text, so the monochrome
//! theme (NO_COLOR) loses nothing but colour.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// Plain text.
    pub text: Style,
    /// Labels next to figures.
    pub label: Style,
    /// Headline figures.
    pub figure: Style,
    pub title: Style,
    pub border: Style,
    /// Border and title of the focused panel.
    pub focus: Style,
    pub ok: Style,
    pub warn: Style,
    pub bad: Style,
    /// Last good values of a STALE or DOWN source.
    pub stale: Style,
    /// The border of a panel whose source is STALE or DOWN.
    pub alarm: Style,
    pub badge_ok: Style,
    pub badge_waiting: Style,
    pub badge_stale: Style,
    pub badge_down: Style,
    /// The selected row.
    pub selected: Style,
    /// Keys in the footer and the help overlay.
    pub key: Style,
    pub tab_active: Style,
    pub readonly: Style,
    /// A filter's match inside a line.
    pub matched: Style,
    pub input: Style,
    pub toast_info: Style,
    pub toast_error: Style,
    pub v1: Style,
    pub v2: Style,
    /// Chart markers per version; monochrome tells the lines apart by shape.
    pub v1_marker: Marker,
    pub v2_marker: Marker,
}

impl Default for Theme {
    /// High contrast on a dark terminal or a projector: bright hues, bold figures.
    fn default() -> Self {
        let bold = Modifier::BOLD;
        Theme {
            text: Style::new().fg(Color::White),
            label: Style::new().fg(Color::Gray),
            figure: Style::new().fg(Color::White).add_modifier(bold),
            title: Style::new().fg(Color::White).add_modifier(bold),
            border: Style::new().fg(Color::Gray),
            focus: Style::new().fg(Color::LightYellow).add_modifier(bold),
            ok: Style::new().fg(Color::LightGreen),
            warn: Style::new().fg(Color::LightYellow).add_modifier(bold),
            bad: Style::new().fg(Color::LightRed).add_modifier(bold),
            stale: Style::new().fg(Color::DarkGray).remove_modifier(bold),
            alarm: Style::new().fg(Color::LightRed),
            badge_ok: Style::new().fg(Color::LightGreen).add_modifier(bold),
            badge_waiting: Style::new().fg(Color::Gray),
            badge_stale: Style::new()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(bold),
            badge_down: Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(bold),
            selected: Style::new()
                .fg(Color::Black)
                .bg(Color::LightCyan)
                .add_modifier(bold),
            key: Style::new()
                .fg(Color::Black)
                .bg(Color::Gray)
                .add_modifier(bold),
            tab_active: Style::new()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(bold),
            readonly: Style::new()
                .fg(Color::White)
                .bg(Color::Magenta)
                .add_modifier(bold),
            matched: Style::new()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(bold),
            input: Style::new().fg(Color::White).add_modifier(bold),
            toast_info: Style::new().fg(Color::LightGreen).add_modifier(bold),
            toast_error: Style::new().fg(Color::LightRed).add_modifier(bold),
            v1: Style::new().fg(Color::LightCyan).add_modifier(bold),
            v2: Style::new().fg(Color::LightMagenta).add_modifier(bold),
            v1_marker: Marker::Braille,
            v2_marker: Marker::Braille,
        }
    }
}

impl Theme {
    /// No colour at all (https://no-color.org): emphasis by weight, reverse video and shape.
    pub fn monochrome() -> Self {
        let plain = Style::new();
        let bold = plain.add_modifier(Modifier::BOLD);
        let reversed = bold.add_modifier(Modifier::REVERSED);
        Theme {
            text: plain,
            label: plain,
            figure: bold,
            title: bold,
            border: plain,
            focus: bold,
            ok: plain,
            warn: bold,
            bad: bold.add_modifier(Modifier::UNDERLINED),
            stale: plain
                .add_modifier(Modifier::DIM)
                .remove_modifier(Modifier::BOLD),
            alarm: bold,
            badge_ok: plain,
            badge_waiting: plain.add_modifier(Modifier::DIM),
            badge_stale: reversed,
            badge_down: reversed,
            selected: reversed,
            key: reversed,
            tab_active: reversed,
            readonly: reversed,
            matched: reversed,
            input: bold,
            toast_info: bold,
            toast_error: bold,
            v1: bold,
            v2: bold,
            v1_marker: Marker::Braille,
            v2_marker: Marker::Dot,
        }
    }

    /// The theme the NO_COLOR convention asks for.
    pub fn for_no_color(no_color: bool) -> Self {
        Theme::new(Palette::Default, no_color)
    }

    /// The palette's theme; NO_COLOR wins over any palette.
    pub fn new(palette: Palette, no_color: bool) -> Self {
        match (no_color, palette) {
            (true, _) => Theme::monochrome(),
            (false, Palette::Default) => Theme::default(),
            (false, Palette::Colorblind) => Theme::colorblind(),
        }
    }

    /// Okabe–Ito's colours, safe for the common colour blindnesses: good is blue and bad is
    /// vermillion rather than green and red, and the two versions are blue and orange, drawn
    /// with different chart markers as well.
    pub fn colorblind() -> Self {
        let bold = Modifier::BOLD;
        let fg = |c: u8| Style::new().fg(Color::Indexed(c));
        let on = |c: u8| {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Indexed(c))
                .add_modifier(bold)
        };
        Theme {
            focus: fg(OI_YELLOW).add_modifier(bold),
            ok: fg(OI_SKY_BLUE),
            warn: fg(OI_YELLOW).add_modifier(bold),
            bad: fg(OI_VERMILLION).add_modifier(bold),
            alarm: fg(OI_VERMILLION),
            badge_ok: fg(OI_SKY_BLUE).add_modifier(bold),
            badge_stale: on(OI_YELLOW),
            badge_down: on(OI_VERMILLION),
            tab_active: on(OI_YELLOW),
            matched: on(OI_YELLOW),
            readonly: on(OI_PURPLE),
            toast_info: fg(OI_SKY_BLUE).add_modifier(bold),
            toast_error: fg(OI_VERMILLION).add_modifier(bold),
            v1: fg(OI_SKY_BLUE).add_modifier(bold),
            v2: fg(OI_ORANGE).add_modifier(bold),
            v1_marker: Marker::Braille,
            v2_marker: Marker::Dot,
            ..Theme::default()
        }
    }

    /// For a projector: everything bold and nothing grey that could wash out.
    pub fn presenter(&self) -> Self {
        let loud = |s: Style| brighter(s).add_modifier(Modifier::BOLD);
        Theme {
            text: loud(self.text),
            label: loud(self.label),
            figure: loud(self.figure),
            title: loud(self.title),
            border: loud(self.border),
            focus: loud(self.focus),
            ok: loud(self.ok),
            warn: loud(self.warn),
            bad: loud(self.bad),
            // Old values stay unlike fresh ones: lighter, never bold.
            stale: brighter(self.stale),
            alarm: loud(self.alarm),
            badge_ok: loud(self.badge_ok),
            badge_waiting: loud(self.badge_waiting),
            badge_stale: loud(self.badge_stale),
            badge_down: loud(self.badge_down),
            selected: loud(self.selected),
            key: loud(self.key),
            tab_active: loud(self.tab_active),
            readonly: loud(self.readonly),
            matched: loud(self.matched),
            input: loud(self.input),
            toast_info: loud(self.toast_info),
            toast_error: loud(self.toast_error),
            v1: loud(self.v1),
            v2: loud(self.v2),
            v1_marker: self.v1_marker,
            v2_marker: self.v2_marker,
        }
    }
}

/// Which colours the theme uses (`--palette`, `[ui] palette`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Palette {
    #[default]
    Default,
    Colorblind,
}

// Okabe–Ito's colours as the nearest of the 256 every terminal has.
const OI_ORANGE: u8 = 214;
const OI_SKY_BLUE: u8 = 74;
const OI_YELLOW: u8 = 227;
const OI_VERMILLION: u8 = 166;
const OI_PURPLE: u8 = 175;

/// Greys one step lighter; a colourless style stays colourless.
fn brighter(style: Style) -> Style {
    let lift = |c: Option<Color>| match c {
        Some(Color::Gray) => Some(Color::White),
        Some(Color::DarkGray) => Some(Color::Gray),
        other => other,
    };
    Style {
        fg: lift(style.fg),
        ..style
    }
}

/// A theme with a panel's staleness applied: the last good values of a STALE or DOWN source
/// stay on screen, dimmed.
#[derive(Clone, Copy)]
pub struct Ink<'t> {
    pub theme: &'t Theme,
    pub dim: bool,
}

impl<'t> Ink<'t> {
    pub fn new(theme: &'t Theme, dim: bool) -> Self {
        Ink { theme, dim }
    }

    pub fn st(&self, style: Style) -> Style {
        if self.dim {
            style.patch(self.theme.stale)
        } else {
            style
        }
    }
}
