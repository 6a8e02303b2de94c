//! Backups from the control room, as a person uses them: the real binary in tmux at 120×40
//! against the real lab. `7` shows the panel, `b` takes a dump (the row appears), `v` verifies
//! it, `r` asks for the id to be typed back and restores only then; the events panel follows.

mod common;

use common::backup::*;
use common::chaos::{audit_lines, scratch, Restore, BIN};
use common::tmux::Tmux;
use common::*;
use std::time::Duration;

#[test]
fn take_verify_and_restore_a_backup_from_the_keyboard() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("backup-tui");
    let _restore = Restore(dir.clone());
    let cmd = format!(
        "DRIFTDOCK_LEDGER={d}/ledger.json DRIFTDOCK_AUDIT_LOG={d}/audit.jsonl \
         DRIFTDOCK_BACKUP_DIR={b} {BIN}; echo EXIT=$?; sleep 30",
        d = dir.display(),
        b = backups_dir(&dir).display()
    );
    let tui = Tmux::start("backup", 120, 40, &cmd);
    tui.wait_for("the control room", Duration::from_secs(20), |s| {
        s.contains("Containers")
    });
    tui.keys(&["7"]);
    tui.wait_for("the empty backups panel", Duration::from_secs(10), |s| {
        s.contains("no backup yet")
    });
    let before = fingerprint();
    tui.keys(&["b"]);
    tui.wait_for("the new dump listed", Duration::from_secs(30), |s| {
        s.contains(" dump ") && s.contains("unverified")
    });
    let id = ids(&list(&dir)).pop().expect("a backup on disk");
    tui.keys(&["v"]);
    tui.wait_for("the dump verified", Duration::from_secs(60), |s| {
        s.contains("verified") && !s.contains("unverified")
    });
    let after = format!("tui-after-backup-{}", std::process::id());
    post_events(&after, 5);
    // A wrong id restores nothing.
    tui.keys(&["r"]);
    tui.wait_for("the confirmation", Duration::from_secs(5), |s| {
        s.contains("to confirm")
    });
    tui.keys(&["-l", "not-the-id"]);
    tui.keys(&["Enter"]);
    tui.wait_for("the refusal", Duration::from_secs(5), |s| {
        s.contains("does not match")
    });
    assert_eq!(count_of(&after), 5);
    tui.keys(&["r"]);
    tui.keys(&["-l", &id]);
    tui.keys(&["Enter"]);
    tui.wait_for("the restore done", Duration::from_secs(60), |s| {
        s.contains(&format!("restored {id}"))
    });
    let screen = tui.screen();
    assert_eq!(
        fingerprint(),
        before,
        "the backup's rows are back: {screen}"
    );
    assert_eq!(count_of(&after), 0);
    let whats: Vec<String> = audit_lines(&dir)
        .iter()
        .map(|l| l["what"].as_str().unwrap_or_default().to_string())
        .collect();
    for what in ["backup.create", "backup.verify", "backup.restore"] {
        assert!(
            whats.iter().any(|w| w == what),
            "{what} not audited: {whats:?}"
        );
    }
    tui.keys(&["q"]);
    tui.wait_for("exit 0", Duration::from_secs(10), |s| s.contains("EXIT=0"));
    assert!(restore_lab(Duration::from_secs(60)));
}
