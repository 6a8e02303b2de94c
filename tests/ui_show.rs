//! The keystroke overlay, the presenter theme and the palettes, as text snapshots at 80×24,
//! 120×40 and 200×60, and as colours.

use driftdock::app::{fixture, State};
use driftdock::ui::{self, Palette, Theme};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

fn render(state: &State, width: u16, height: u16, theme: &Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| ui::view_with(state, frame, theme))
        .unwrap();
    terminal
}

fn snapshots(name: &str, state: State) {
    for (w, h) in SIZES {
        let terminal = render(&state, w, h, &Theme::default());
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn presenter_theme() {
    snapshots("presenter", fixture::presenter());
}

#[test]
fn presenter_theme_with_a_source_down() {
    snapshots("presenter_redis_down", fixture::presenter_redis_down());
}

#[test]
fn keystroke_overlay() {
    snapshots("keys", fixture::keys_overlay());
}

#[test]
fn presenter_with_keys_and_a_toast() {
    snapshots("presenter_keys_toast", fixture::presenter_with_keys());
}

fn colours(buffer: &Buffer) -> Vec<Color> {
    buffer
        .content()
        .iter()
        .flat_map(|c| [c.fg, c.bg])
        .filter(|c| *c != Color::Reset)
        .collect()
}

#[test]
fn no_color_wins_over_palette_and_presenter() {
    for palette in [Palette::Default, Palette::Colorblind] {
        let theme = Theme::new(palette, true);
        for state in [fixture::presenter(), fixture::presenter_with_keys()] {
            for (w, h) in SIZES {
                let t = render(&state, w, h, &theme);
                assert!(colours(t.backend().buffer()).is_empty(), "{w}x{h}");
            }
        }
    }
}

#[test]
fn the_colorblind_palette_has_no_red_or_green() {
    let theme = Theme::new(Palette::Colorblind, false);
    let red_green = [Color::Red, Color::LightRed, Color::Green, Color::LightGreen];
    for state in [
        fixture::busy(),
        fixture::redis_down(),
        fixture::canary_mismatch(),
        fixture::presenter_with_keys(),
    ] {
        let t = render(&state, 200, 60, &theme);
        let found = colours(t.backend().buffer());
        assert!(!found.is_empty());
        assert!(
            found.iter().all(|c| !red_green.contains(c)),
            "{:?}",
            found.iter().find(|c| red_green.contains(c))
        );
    }
}

#[test]
fn presenter_text_is_bold_and_never_dark_grey() {
    use ratatui::style::Modifier;
    let t = render(&fixture::presenter(), 120, 40, &Theme::default());
    let buffer = t.backend().buffer();
    let drawn: Vec<_> = buffer
        .content()
        .iter()
        .filter(|c| c.symbol() != " ")
        .collect();
    let bold = drawn
        .iter()
        .filter(|c| c.modifier.contains(Modifier::BOLD))
        .count();
    assert!(bold * 10 >= drawn.len() * 9, "{bold} of {}", drawn.len());
    assert!(drawn.iter().all(|c| c.fg != Color::DarkGray));
}

#[test]
fn the_headline_shows_the_figures_in_block_digits() {
    let t = render(&fixture::presenter(), 80, 24, &Theme::default());
    let screen = format!("{}", t.backend());
    for label in ["CANARY", "QUEUE", "ERRORS"] {
        assert!(screen.contains(label), "{screen}");
    }
    // 25% in half blocks: the `2` starts with a full top bar.
    let big = driftdock::ui::bigtext::render("25%", driftdock::ui::bigtext::Size::Half);
    assert!(screen.contains(&big[0]), "{screen}");
}

#[test]
fn tiny_terminals_do_not_panic() {
    let themes = [Theme::default().presenter(), Theme::monochrome()];
    for state in [fixture::presenter(), fixture::presenter_with_keys()] {
        for theme in &themes {
            for w in (1..=90).step_by(7) {
                for h in (1..=45).step_by(4) {
                    render(&state, w, h, theme);
                }
            }
        }
    }
}
