//! Bad input to the backups against the real lab: an unknown id, a manifest that is not one,
//! a full disk, Postgres DOWN, a time the archive cannot reach, a time that is not one. Each
//! gets a clear message and a non-zero exit, and the live database is untouched.

mod common;

use common::backup::*;
use common::chaos::{scratch, Restore};
use common::*;
use std::process::Command;
use std::time::Duration;

#[test]
fn unknown_ids_and_unreadable_manifests_are_named() {
    require_lab();
    let dir = scratch("backup-unknown");
    let (code, json, err) = backup(&dir, &["verify", "20000101-000000-dump"]);
    assert_eq!(code, 1, "{json}");
    assert!(err.contains("no backup `20000101-000000-dump`"), "{err}");
    let (code, _, err) = backup(&dir, &["restore", "../../etc/passwd", "--yes"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a backup id"), "{err}");
    std::fs::create_dir_all(backups_dir(&dir)).unwrap();
    std::fs::write(
        backups_dir(&dir).join("20261206-101010-dump.json"),
        "{\n  \"version\": 1,\n  \"id\": 42\n}\n",
    )
    .unwrap();
    let (code, json, err) = backup(&dir, &["list"]);
    assert_eq!(code, 0, "a bad manifest does not hide the others");
    let problem = json["unreadable"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        problem.contains("20261206-101010-dump.json:3:")
            && problem.contains("not a backup manifest"),
        "{problem} / {err}"
    );
}

#[test]
fn times_the_archive_cannot_reach_are_refused_before_anything_is_touched() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("backup-badtime");
    let live = fingerprint();
    let (code, _, err) = backup(&dir, &["restore", "--to", "yesterday-ish", "--yes"]);
    assert_eq!(code, 2);
    assert!(err.contains("expected a time"), "{err}");
    let (code, _, err) = backup(&dir, &["restore", "--to", "10 minutes ago", "--yes"]);
    assert_eq!(code, 2);
    assert!(err.contains("no base backup"), "{err}");
    create(&dir, true);
    let (code, _, err) = backup(&dir, &["restore", "--to", "2000-01-01 00:00:00", "--yes"]);
    assert_eq!(code, 2);
    assert!(err.contains("before the oldest base backup"), "{err}");
    let (code, _, err) = backup(&dir, &["restore", "--to", "2099-01-01T00:00:00Z", "--yes"]);
    assert_eq!(code, 2);
    assert!(err.contains("after the newest archived moment"), "{err}");
    assert_eq!(fingerprint(), live, "nothing was restored");
    assert_eq!(list(&dir).len(), 1, "and no safety backup was taken");
}

/// A 256 KiB tmpfs mounted for the test, unmounted however it ends.
struct SmallDisk(std::path::PathBuf);

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_leaves_no_backup_that_looks_valid() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("backup-full");
    let target = backups_dir(&dir);
    std::fs::create_dir_all(&target).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(&target)
        .status()
        .expect("mount");
    assert!(
        mounted.success(),
        "this test mounts a small tmpfs and needs root"
    );
    let _disk = SmallDisk(target.clone());
    // More than the disk holds, whatever the lab held before.
    psql("CREATE TABLE IF NOT EXISTS backup_filler AS SELECT g, md5(g::text) || md5((g * 7)::text) AS t FROM generate_series(1, 60000) g");
    let (code, json, err) = backup(&dir, &["create"]);
    psql("DROP TABLE IF EXISTS backup_filler");
    assert_eq!(code, 1, "{json}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("nothing kept"), "{err}");
    let left: Vec<String> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".lock")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(list(&dir).is_empty());
}

#[test]
fn postgres_down_is_said_and_nothing_is_kept() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("backup-pgdown");
    let _restore = Restore(dir.clone());
    let good = create(&dir, false);
    let pg = container("postgres");
    docker(&["stop", &pg]);
    let (code, _, err) = backup(&dir, &["create"]);
    assert_eq!(code, 1);
    assert!(err.contains("postgres is DOWN"), "{err}");
    let (code, _, err) = backup(&dir, &["verify", good["id"].as_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("postgres is DOWN"), "{err}");
    let (code, _, err) = backup(&dir, &["restore", good["id"].as_str().unwrap(), "--yes"]);
    assert_eq!(code, 1);
    assert!(err.contains("postgres is DOWN"), "{err}");
    let listed = list(&dir);
    assert_eq!(listed.len(), 1, "no new backup, no safety backup");
    assert!(
        listed[0]["verified"].is_null(),
        "Postgres DOWN says nothing about the backup"
    );
    docker(&["start", &pg]);
    assert!(wait_healthy(&pg, Duration::from_secs(60)));
    assert!(restore_lab(Duration::from_secs(90)));
}

#[test]
fn a_replay_that_cannot_reach_its_target_is_rolled_back() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("backup-rollback");
    let _restore = Restore(dir.clone());
    let base = create(&dir, true);
    let start = base["wal"]["start_segment"].as_str().unwrap().to_string();
    let tag = std::process::id();
    for round in 0..3 {
        post_events(&format!("rollback-{tag}-{round}"), 5);
        psql("SELECT pg_switch_wal()");
    }
    std::thread::sleep(Duration::from_secs(2));
    let t = chrono::Utc::now().to_rfc3339();
    post_events(&format!("rollback-{tag}-after"), 5);
    // A segment after the base goes missing from the archive: replay must stop short.
    let pg = container("postgres");
    let archive = "/var/lib/postgresql/wal-archive";
    let later = docker(&[
        "exec",
        &pg,
        "sh",
        "-c",
        &format!("ls {archive} | grep -v backup | grep -v history | sort"),
    ]);
    let timeline = &start[..8];
    let victim = later
        .lines()
        .filter(|f| f.starts_with(timeline) && f[8..24] > start[8..])
        .nth(1)
        .expect("segments after the base")
        .to_string();
    docker(&[
        "exec",
        &pg,
        "mv",
        &format!("{archive}/{victim}"),
        &format!("/tmp/{victim}"),
    ]);
    let before = fingerprint();
    let (code, json, err) = backup(&dir, &["restore", "--to", &t, "--yes"]);
    docker(&[
        "exec",
        &pg,
        "sh",
        "-c",
        &format!("mv /tmp/{victim} {archive}/ 2>/dev/null || true"),
    ]);
    assert_eq!(code, 1, "{json}");
    assert!(err.contains("rolled back"), "{err}");
    let pg = container("postgres");
    assert!(wait_healthy(&pg, Duration::from_secs(60)));
    assert_eq!(
        fingerprint(),
        before,
        "the live data is as it was before the restore"
    );
    assert!(restore_lab(Duration::from_secs(90)));
}
