//! The backups panel and the restore confirmation, as text snapshots at 80×24, 120×40 and
//! 200×60, and the keys' flow through `update` (no I/O).

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use driftdock::app::backup::Kind;
use driftdock::app::backups::{BackupCommand, BackupEvent};
use driftdock::app::state::Mode;
use driftdock::app::{fixture, update, Command, Msg, State};
use driftdock::ui;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn snapshots(name: &str, state: &State) {
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|frame| ui::view(state, frame)).unwrap();
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

fn press(state: &mut State, c: char) -> Vec<Command> {
    update(
        state,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
    )
}

fn press_code(state: &mut State, code: KeyCode) -> Vec<Command> {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

#[test]
fn the_list_with_ages_sizes_and_verification() {
    let s = fixture::backups_listed();
    assert_eq!(s.backups.list[0].id, "20261204-095500-dump", "newest first");
    snapshots("backups_listed", &s);
}

#[test]
fn an_operation_in_progress_shows_its_gauge() {
    let s = fixture::backup_running();
    assert!(s.backups.running.is_some());
    snapshots("backup_running", &s);
}

#[test]
fn a_restore_waits_for_the_id_to_be_typed() {
    let s = fixture::confirm_restore();
    assert!(matches!(s.mode, Mode::Confirm(_)));
    snapshots("confirm_restore", &s);
}

#[test]
fn enter_restores_only_once_the_id_matches() {
    let mut s = fixture::confirm_restore();
    // Half typed: Enter refuses and leaves the confirmation.
    assert!(press_code(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.backups.running.is_none());
    press(&mut s, 'r');
    for c in "20261204-095500-dump".chars() {
        press(&mut s, c);
    }
    let cmds = press_code(&mut s, KeyCode::Enter);
    assert_eq!(
        cmds,
        [Command::Backup(BackupCommand::Restore(
            "20261204-095500-dump".into()
        ))]
    );
    // Esc leaves a confirmation without restoring.
    let mut s = fixture::confirm_restore();
    assert!(press_code(&mut s, KeyCode::Esc).is_empty());
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn keys_ask_for_one_operation_at_a_time_and_a_finish_lists_again() {
    let mut s = fixture::backups_listed();
    assert_eq!(
        press(&mut s, 'b'),
        [Command::Backup(BackupCommand::Create(Kind::Dump))]
    );
    assert!(press(&mut s, 'B').is_empty(), "refused while one runs");
    assert!(s
        .toasts
        .last()
        .unwrap()
        .text
        .contains("one backup operation at a time"));
    let cmds = update(
        &mut s,
        Msg::Backup(BackupEvent::Finished {
            op: "backup".into(),
            result: Ok("kept".into()),
        }),
    );
    assert_eq!(cmds, [Command::Backup(BackupCommand::List)]);
    assert!(s.backups.running.is_none());
    press(&mut s, 'j');
    assert_eq!(s.backups.selected, 1);
    assert_eq!(
        press(&mut s, 'v'),
        [Command::Backup(BackupCommand::Verify(
            "20261204-094800-dump".into()
        ))]
    );
}

#[test]
fn a_base_backup_restores_only_to_a_point_in_time() {
    let mut s = fixture::backups_listed();
    for _ in 0..3 {
        press(&mut s, 'j');
    }
    assert_eq!(s.backups.selected().unwrap().kind, Kind::Base);
    press(&mut s, 'r');
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.toasts.last().unwrap().text.contains("point in time"));
    // `t` opens `:restore-to`; a time after the base asks for the base's id.
    press(&mut s, 't');
    for c in "09:40:00".chars() {
        press(&mut s, c);
    }
    press_code(&mut s, KeyCode::Enter);
    let Mode::Confirm(c) = &s.mode else {
        panic!("no confirmation: {:?}", s.toasts.last());
    };
    assert_eq!(c.expect, "20261204-093000-base");
    let target = fixture::t0() - Duration::minutes(20);
    assert_eq!(
        c.then,
        BackupCommand::RestoreTo(target),
        "09:40 local (UTC here) is 20 minutes before the fixture's now"
    );
}

#[test]
fn a_time_outside_the_archive_is_refused_before_anything_runs() {
    let mut s = fixture::backups_listed();
    press(&mut s, 't');
    for c in "09:00:00".chars() {
        press(&mut s, c);
    }
    assert!(press_code(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(s.mode, Mode::Normal);
    assert!(
        s.toasts
            .last()
            .unwrap()
            .text
            .contains("before the oldest base"),
        "{:?}",
        s.toasts.last()
    );
}

#[test]
fn read_only_refuses_every_backup_key() {
    let mut s = fixture::backups_listed();
    s.readonly = true;
    for c in ['b', 'B', 'v', 'r', 't'] {
        assert!(press(&mut s, c).is_empty(), "{c}");
        assert_eq!(s.mode, Mode::Normal, "{c}");
    }
}
