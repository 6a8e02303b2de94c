//! Recordings: an asciicast v2 file of exactly what was drawn, read back and replayed through
//! a terminal emulator; its file handling; and no password in it.

mod common;

use common::cast::{buffer_lines, final_screen, parse};
use common::tmux::Tmux;
use driftdock::app::{fixture, update, Msg, State};
use driftdock::record::cast::{Cast, Header, SharedCast, Tee};
use driftdock::record::redact::Redactor;
use driftdock::ui;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::path::PathBuf;
use std::time::Duration;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dd-cast-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

type Recorded = Terminal<CrosstermBackend<Tee<std::io::Sink>>>;

fn recorder(cast: &SharedCast, w: u16, h: u16) -> Recorded {
    let backend = CrosstermBackend::new(Tee::new(std::io::sink(), Some(cast.clone())));
    Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
        },
    )
    .unwrap()
}

fn expected(state: &State, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::view(state, f)).unwrap();
    buffer_lines(t.backend().buffer())
}

fn key(state: &mut State, c: char) {
    update(
        state,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
    );
}

#[test]
fn the_cast_replays_to_the_screen_that_was_drawn() {
    let dir = temp("frames");
    let path = dir.join("busy.cast");
    let (w, h) = (120, 40);
    let cast = Cast::create(&path, &Header::new(w, h), false, Redactor::default())
        .unwrap()
        .shared();
    let mut term = recorder(&cast, w, h);
    let mut state = fixture::busy();
    // Several frames, so later ones are diffs of earlier ones.
    for c in ['j', 'j', '3', '6', '/'] {
        term.draw(|f| ui::view(&state, f)).unwrap();
        std::thread::sleep(Duration::from_millis(2));
        key(&mut state, c);
    }
    term.draw(|f| ui::view(&state, f)).unwrap();
    cast.lock().unwrap().finish().unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = parse(&text);
    assert_eq!(parsed.header["width"], 120);
    assert_eq!(parsed.header["height"], 40);
    let outputs = parsed.events.iter().filter(|e| e.1 == "o").count();
    assert_eq!(outputs, 6, "one event per frame");
    assert_eq!(final_screen(&parsed), expected(&state, w, h));
}

/// The asciinema player (the PyPI package, `asciinema cat`) reads the cast and plays back
/// exactly the screen that was drawn.
#[test]
fn the_asciinema_player_plays_it_back() {
    let dir = temp("player");
    let path = dir.join("player.cast");
    let (w, h) = (80, 24);
    let cast = Cast::create(&path, &Header::new(w, h), false, Redactor::default())
        .unwrap()
        .shared();
    let mut term = recorder(&cast, w, h);
    let mut state = fixture::busy();
    for c in ['j', '6'] {
        term.draw(|f| ui::view(&state, f)).unwrap();
        key(&mut state, c);
    }
    term.draw(|f| ui::view(&state, f)).unwrap();
    cast.lock().unwrap().finish().unwrap();
    let out = std::process::Command::new("asciinema")
        .arg("cat")
        .arg(&path)
        .output()
        .expect("asciinema (pip install asciinema) plays casts; .ci/run installs it");
    assert!(
        out.status.success(),
        "asciinema cat refused the cast: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
    let mut parser = vt100::Parser::new(nz(h), nz(w), 0);
    parser.process(&out.stdout);
    let played: Vec<String> = parser
        .screen()
        .rows(0, w)
        .map(|r| r.trim_end().to_string())
        .collect();
    assert_eq!(played, expected(&state, w, h));
}

#[test]
fn a_resize_is_an_r_event_and_the_screen_follows_it() {
    let dir = temp("resize");
    let path = dir.join("r.cast");
    let cast = Cast::create(&path, &Header::new(80, 24), false, Redactor::default())
        .unwrap()
        .shared();
    let state = fixture::busy();
    let mut small = recorder(&cast, 80, 24);
    small.draw(|f| ui::view(&state, f)).unwrap();
    cast.lock().unwrap().resize(100, 30);
    let mut big = recorder(&cast, 100, 30);
    // As ratatui does on a resize: clear, then draw whole.
    ratatui::backend::Backend::clear(big.backend_mut()).unwrap();
    big.draw(|f| ui::view(&state, f)).unwrap();
    cast.lock().unwrap().finish().unwrap();
    let parsed = parse(&std::fs::read_to_string(&path).unwrap());
    assert!(parsed.events.iter().any(|e| e.1 == "r" && e.2 == "100x30"));
    assert_eq!(final_screen(&parsed), expected(&state, 100, 30));
}

#[test]
fn an_existing_file_is_refused_unless_overwrite_and_a_bad_path_is_an_error() {
    let dir = temp("files");
    let path = dir.join("x.cast");
    std::fs::write(&path, "keep me").unwrap();
    let err = Cast::create(&path, &Header::new(80, 24), false, Redactor::default())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("--overwrite"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    Cast::create(&path, &Header::new(80, 24), true, Redactor::default()).unwrap();
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .starts_with("{\"version\":2"));

    let bad = dir.join("no-such-dir").join("x.cast");
    let err = Cast::create(&bad, &Header::new(80, 24), false, Redactor::default())
        .err()
        .expect("an error");
    assert!(format!("{err:#}").contains("no-such-dir"), "{err:#}");
}

#[test]
fn what_is_written_is_redacted() {
    let dir = temp("redact");
    let path = dir.join("s.cast");
    let cast = Cast::create(
        &path,
        &Header::new(80, 24),
        false,
        Redactor::new(["hunter2-pw".to_string()]),
    )
    .unwrap()
    .shared();
    let mut tee = Tee::new(std::io::sink(), Some(cast.clone()));
    use std::io::Write;
    write!(tee, "redis://u:hunter2-pw@h:6379 and hunter2-pw alone").unwrap();
    tee.flush().unwrap();
    cast.lock().unwrap().finish().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.contains("redis://u:***@h:6379 and *** alone"),
        "{text}"
    );
}

/// The real control room, recorded under tmux with a config whose URLs hold passwords (and
/// point nowhere, so every source is DOWN with an error that could quote them).
#[test]
fn a_recording_of_the_control_room_holds_no_password() {
    let dir = temp("tui");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        "[endpoints]\n\
         gateway = \"http://admin:gw-Secret-4411@127.0.0.1:9\"\n\
         prometheus = \"http://prom:pr-Secret-4411@127.0.0.1:9\"\n\
         redis = \"redis://:rd-Secret-4411@127.0.0.1:9\"\n\
         postgres = \"postgres://u:pg-Secret-4411@127.0.0.1:9/db\"\n",
    )
    .unwrap();
    let cast = dir.join("room.cast");
    let cmd = format!(
        "{} --readonly --config {} --record {}; echo EXIT=$?; sleep 30",
        env!("CARGO_BIN_EXE_driftdock"),
        config.display(),
        cast.display()
    );
    let tui = Tmux::start("cast-secret", 100, 30, &cmd);
    tui.wait_for("sources DOWN", Duration::from_secs(20), |s| {
        s.contains("DOWN")
    });
    std::thread::sleep(Duration::from_millis(1500));
    tui.keys(&["q"]);
    tui.wait_for("the exit", Duration::from_secs(10), |s| {
        s.contains("EXIT=0")
    });
    let text = std::fs::read_to_string(&cast).unwrap();
    assert!(!text.contains("Secret-4411"), "a password in the cast");
    let parsed = parse(&text);
    assert_eq!(parsed.header["width"], 100);
    assert_eq!(parsed.header["height"], 30);
    let screen = final_screen(&parsed).join("\n");
    assert!(screen.contains("DOWN"), "{screen}");

    // A second run refuses to overwrite it, and leaves it as it was.
    let again = Tmux::start("cast-again", 100, 30, &cmd);
    again.wait_for("the refusal", Duration::from_secs(10), |s| {
        s.contains("EXIT=1")
    });
    assert!(again.screen().contains("--overwrite"), "{}", again.screen());
    assert_eq!(std::fs::read_to_string(&cast).unwrap(), text);
}
