//! The screen at 80×24, 120×40 and 200×60 for each fixture, as text snapshots.

use driftdock::app::{fixture, State};
use driftdock::ui::{self, Theme};
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
fn busy_lab() {
    snapshots("busy", fixture::busy());
}

#[test]
fn redis_down() {
    snapshots("redis_down", fixture::redis_down());
}

#[test]
fn prometheus_stale() {
    snapshots("prometheus_stale", fixture::prometheus_stale());
}

#[test]
fn help_overlay() {
    snapshots("help", fixture::help());
}

#[test]
fn command_line_with_candidates() {
    snapshots("command_line", fixture::command_line());
}

#[test]
fn typing_a_filter() {
    snapshots("filtering", fixture::filtering());
}

#[test]
fn readonly() {
    snapshots("readonly", fixture::readonly());
}

#[test]
fn logs_focused_and_filtered() {
    snapshots("logs_filtered", fixture::logs_filtered());
}

#[test]
fn canary_mismatch() {
    snapshots("canary_mismatch", fixture::canary_mismatch());
}

#[test]
fn chaos_in_force() {
    snapshots("chaos", fixture::chaos());
}

#[test]
fn confirm_quit() {
    snapshots("confirm_quit", fixture::confirm_quit());
}

#[test]
fn empty_lab() {
    snapshots("empty", fixture::empty());
}

fn all_fixtures() -> Vec<State> {
    vec![
        fixture::empty(),
        fixture::busy(),
        fixture::redis_down(),
        fixture::prometheus_stale(),
        fixture::help(),
        fixture::command_line(),
        fixture::filtering(),
        fixture::readonly(),
        fixture::logs_filtered(),
        fixture::canary_mismatch(),
        fixture::confirm_quit(),
    ]
}

#[test]
fn tiny_terminals_do_not_panic() {
    let themes = [Theme::default(), Theme::monochrome()];
    for state in all_fixtures() {
        for theme in &themes {
            render(&state, 20, 5, theme);
            render(&state, 1, 1, theme);
        }
        // Sizes up to a small terminal, every one of the tiniest, so no off-by-one hides between
        // the named ones.
        for w in (1..=60).filter(|w| *w <= 12 || w % 3 == 0) {
            for h in 1..=16 {
                render(&state, w, h, &themes[0]);
            }
        }
        for (w, h) in [
            (99, 29),
            (100, 30),
            (179, 49),
            (180, 50),
            (300, 10),
            (10, 300),
        ] {
            render(&state, w, h, &themes[0]);
        }
    }
}

#[test]
fn a_tiny_terminal_still_shows_something() {
    let terminal = render(&fixture::busy(), 20, 5, &Theme::default());
    insta::assert_snapshot!("busy_20x5", terminal.backend());
}

fn colours(buffer: &Buffer) -> Vec<(u16, u16, Color, Color)> {
    let area = buffer.area;
    let mut out = Vec::new();
    for y in 0..area.height {
        for x in 0..area.width {
            let cell = &buffer[(x, y)];
            if cell.fg != Color::Reset || cell.bg != Color::Reset {
                out.push((x, y, cell.fg, cell.bg));
            }
        }
    }
    out
}

#[test]
fn monochrome_renders_carry_no_colour() {
    let mono = Theme::monochrome();
    for state in all_fixtures() {
        for (w, h) in SIZES {
            let terminal = render(&state, w, h, &mono);
            let found = colours(terminal.backend().buffer());
            assert!(
                found.is_empty(),
                "colour at {w}x{h}: {:?}",
                &found[..found.len().min(5)]
            );
        }
    }
}

#[test]
fn the_default_theme_uses_colour() {
    let terminal = render(&fixture::busy(), 120, 40, &Theme::default());
    assert!(!colours(terminal.backend().buffer()).is_empty());
}

/// Each panel alone, as the tab layout shows it.
#[test]
fn every_panel_as_a_tab() {
    use driftdock::app::state::Panel;
    use driftdock::app::{update, Msg};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    for (i, panel) in Panel::ALL.iter().enumerate() {
        for (name, mut state) in [
            ("busy", fixture::busy()),
            ("redis_down", fixture::redis_down()),
        ] {
            let digit = char::from(b'1' + i as u8);
            update(
                &mut state,
                Msg::Key(KeyEvent::new(KeyCode::Char(digit), KeyModifiers::NONE)),
            );
            assert_eq!(state.focus, *panel);
            let terminal = render(&state, 80, 24, &Theme::default());
            let title = panel.title().to_lowercase();
            insta::assert_snapshot!(format!("tab_{title}_{name}_80x24"), terminal.backend());
        }
    }
}

#[test]
fn log_filter_matches_are_highlighted() {
    let theme = Theme::default();
    let terminal = render(&fixture::logs_filtered(), 80, 24, &theme);
    let buffer = terminal.backend().buffer();
    // Find the first log row's `ERROR` and check every cell of it wears the match style.
    let (x, y) = (0..buffer.area.height)
        .flat_map(|y| (0..buffer.area.width).map(move |x| (x, y)))
        .find(|&(x, y)| {
            x + 5 <= buffer.area.width
                && (0..5).all(|i| buffer[(x + i, y)].symbol() == &"ERROR"[i as usize..=i as usize])
        })
        .expect("a matching line on screen");
    for i in 0..5 {
        let cell = &buffer[(x + i, y)];
        assert_eq!(
            cell.bg,
            theme.matched.bg.unwrap(),
            "cell {} of the match",
            i
        );
    }
    // The character after the match is not highlighted.
    assert_ne!(buffer[(x + 5, y)].bg, theme.matched.bg.unwrap());
}

/// Stats are read only for the rows on screen: the ids the runtime asks for.
#[test]
fn containers_on_screen_are_the_rows_drawn() {
    use ratatui::layout::Rect;
    let mut state = driftdock::app::fixture::busy();
    let all: Vec<String> = state
        .visible_containers()
        .iter()
        .map(|r| r.info.id.clone())
        .collect();
    // A roomy grid shows every row.
    let ids = driftdock::ui::containers_on_screen(&state, Rect::new(0, 0, 200, 60));
    assert_eq!(ids, all);
    // At 80×24 with another tab in front, no row is on screen.
    state.focus = driftdock::app::state::Panel::Queue;
    assert!(driftdock::ui::containers_on_screen(&state, Rect::new(0, 0, 80, 24)).is_empty());
    // A short panel scrolled to the last row shows that row, and not the first.
    state.focus = driftdock::app::state::Panel::Containers;
    state.selected = all.len() - 1;
    let ids = driftdock::ui::containers_on_screen(&state, Rect::new(0, 0, 80, 12));
    assert!(!ids.is_empty() && ids.len() < all.len(), "{ids:?}");
    assert_eq!(ids.last(), all.last());
    assert!(!ids.contains(&all[0]));
    let backend = ratatui::backend::TestBackend::new(80, 12);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    terminal.draw(|f| driftdock::ui::view(&state, f)).unwrap();
    let screen = format!("{}", terminal.backend());
    let services: Vec<&str> = state
        .visible_containers()
        .iter()
        .filter(|r| ids.contains(&r.info.id))
        .map(|r| r.info.service.as_str())
        .collect();
    for s in services {
        assert!(screen.contains(s), "{s} should be drawn:\n{screen}");
    }
}
