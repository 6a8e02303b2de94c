//! Backups against the real lab's Postgres: a backup taken under load restores to its own
//! consistent snapshot; no row is lost across create → restore; a flipped byte fails verify and
//! refuses restore with the live data untouched; restore to a time T brings back exactly what
//! was written before T; retention keeps what it promises. Every operation is audited.

mod common;

use common::backup::*;
use common::chaos::{audit_lines, scratch, Restore};
use common::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn audited(dir: &std::path::Path, what: &str) -> Vec<serde_json::Value> {
    audit_lines(dir)
        .into_iter()
        .filter(|l| l["what"] == what)
        .collect()
}

#[test]
fn a_backup_under_load_restores_to_its_own_consistent_snapshot() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("backup-load");
    let _restore = Restore(dir.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let (stop, sent) = (stop.clone(), sent.clone());
            std::thread::spawn(move || {
                let c = client();
                while !stop.load(Ordering::Relaxed) {
                    let ok = c
                        .post(format!("{GATEWAY}/events"))
                        .json(&serde_json::json!({ "type": "backup-load", "payload": {} }))
                        .send()
                        .is_ok_and(|r| r.status().as_u16() == 201);
                    if ok {
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let before = sent.load(Ordering::Relaxed);
    let m = create(&dir, false);
    let during = sent.load(Ordering::Relaxed) - before;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let rows = m["tables"][0]["rows"].as_i64().unwrap();
    assert!(during > 0, "no event was written while the backup ran");
    let id = m["id"].as_str().unwrap();
    let (code, json, err) = backup(&dir, &["restore", id, "--yes"]);
    assert_eq!(code, 0, "{json} {err}");
    // The restore compared every table with the manifest; the live table says the same.
    assert_eq!(json["rows"].as_i64(), Some(rows), "{json}");
    let live: i64 = psql("SELECT count(*) FROM events").parse().unwrap();
    assert_eq!(live, rows, "the restored table holds the snapshot's rows");
    println!(
        "backup of {rows} rows while {during} events were written; restored in {} ms",
        json["took_ms"]
    );
    assert_eq!(audited(&dir, "backup.create").len(), 2, "backup and safety");
    assert_eq!(audited(&dir, "backup.restore")[0]["result"], "ok");
    assert!(
        restore_lab(Duration::from_secs(60)),
        "the lab is healthy after"
    );
}

#[test]
fn no_row_is_lost_across_create_and_restore() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("backup-roundtrip");
    let _restore = Restore(dir.clone());
    post_events("roundtrip-before", 20);
    let before = fingerprint();
    let m = create(&dir, false);
    let after = format!("roundtrip-after-{}", std::process::id());
    post_events(&after, 15);
    psql("DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT 5)");
    assert_ne!(fingerprint(), before);
    let (code, json, err) = backup(&dir, &["verify", m["id"].as_str().unwrap()]);
    assert_eq!(code, 0, "{json} {err}");
    assert_eq!(json["backup"]["verified"]["ok"], true, "{json}");
    let (code, json, err) = backup(&dir, &["restore", m["id"].as_str().unwrap(), "--yes"]);
    assert_eq!(code, 0, "{json} {err}");
    assert_eq!(
        fingerprint(),
        before,
        "exactly the rows of the backup are back"
    );
    assert_eq!(count_of(&after), 0);
    // Writers are running again and new events reach a final state.
    assert!(restore_lab(Duration::from_secs(60)));
    let new = format!("roundtrip-new-{}", std::process::id());
    post_events(&new, 3);
    let settled = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(200));
        psql(&format!(
            "SELECT count(*) FROM events WHERE type = '{new}' AND status IN ('done', 'failed')"
        )) == "3"
    });
    assert!(settled, "the worker runs again after the restore");
}

#[test]
fn a_flipped_byte_fails_verify_and_refuses_restore_with_live_data_unchanged() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("backup-flip");
    let _restore = Restore(dir.clone());
    let m = create(&dir, false);
    let id = m["id"].as_str().unwrap();
    flip_byte(&backups_dir(&dir).join(m["file"].as_str().unwrap()));
    let (code, json, err) = backup(&dir, &["verify", id]);
    assert_eq!(code, 1, "{json} {err}");
    assert!(err.contains("is corrupt"), "{err}");
    let listed = list(&dir);
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0]["verified"]["ok"], false,
        "the failure is recorded"
    );
    let live = fingerprint();
    let (code, json, err) = backup(&dir, &["restore", id, "--yes"]);
    assert_eq!(code, 1, "{json} {err}");
    assert!(
        err.contains("refused") && err.contains("untouched"),
        "{err}"
    );
    assert_eq!(fingerprint(), live, "the live data is unchanged");
    assert_eq!(list(&dir).len(), 1, "no safety backup was even needed");
    let verify = audited(&dir, "backup.verify");
    assert!(verify[0]["result"].as_str().unwrap().contains("corrupt"));
}

#[test]
fn restore_to_a_time_brings_back_exactly_what_was_written_before_it() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("backup-pitr");
    let _restore = Restore(dir.clone());
    let base = create(&dir, true);
    assert_eq!(base["kind"], "base");
    let (code, json, err) = backup(&dir, &["verify", base["id"].as_str().unwrap()]);
    assert_eq!(
        code, 0,
        "a base backup verifies by a real restore: {json} {err}"
    );
    let tag = std::process::id();
    let (a, b) = (format!("pitr-a-{tag}"), format!("pitr-b-{tag}"));
    post_events(&a, 10);
    std::thread::sleep(Duration::from_millis(1500));
    let t = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    std::thread::sleep(Duration::from_millis(1500));
    post_events(&b, 10);
    assert_eq!((count_of(&a), count_of(&b)), (10, 10));
    let timeline = psql("SELECT timeline_id FROM pg_control_checkpoint()");
    let started = Instant::now();
    let (code, json, err) = backup(&dir, &["restore", "--to", &t, "--yes"]);
    assert_eq!(code, 0, "{json} {err}");
    println!(
        "restore --to {t} took {:.1}s: {json}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!((count_of(&a), count_of(&b)), (10, 0), "exactly set A");
    assert_ne!(
        psql("SELECT timeline_id FROM pg_control_checkpoint()"),
        timeline,
        "a new timeline"
    );
    let listed = list(&dir);
    assert!(listed
        .iter()
        .any(|m| m["reason"] == "after-restore" && m["kind"] == "base"));
    assert!(listed.iter().any(|m| m["reason"] == "safety"));
    assert_eq!(audited(&dir, "backup.restore_to")[0]["result"], "ok");
    assert!(
        restore_lab(Duration::from_secs(60)),
        "the lab is healthy after"
    );
}

#[test]
fn retention_keeps_the_newest_and_the_newest_verified() {
    require_lab();
    let _lab = lab_lock();
    let dir = scratch("backup-retention");
    std::fs::create_dir_all(dir.join("driftdock")).unwrap();
    // XDG_CONFIG_HOME is the scratch dir: this is the config driftdock reads.
    std::fs::write(
        dir.join("driftdock/config.toml"),
        "[backup]\nkeep_last = 2\nkeep_within = \"0s\"\n",
    )
    .unwrap();
    let first = create(&dir, false);
    let first_id = first["id"].as_str().unwrap().to_string();
    let (code, _, err) = backup(&dir, &["verify", &first_id]);
    assert_eq!(code, 0, "{err}");
    let mut made = vec![first_id.clone()];
    for _ in 0..3 {
        // Ids carry the second they were taken in.
        std::thread::sleep(Duration::from_millis(1100));
        made.push(create(&dir, false)["id"].as_str().unwrap().to_string());
    }
    let mut kept = ids(&list(&dir));
    kept.sort();
    let mut want = vec![first_id, made[2].clone(), made[3].clone()];
    want.sort();
    assert_eq!(kept, want, "the newest two and the only verified one");
    let files = std::fs::read_dir(backups_dir(&dir)).unwrap().count();
    assert_eq!(files, 3 * 2 + 1, "a file and a manifest each, and the lock");
    let (code, json, _) = backup(&dir, &["prune", "--dry-run"]);
    assert_eq!(code, 0);
    assert_eq!(json["deleted"].as_array().unwrap().len(), 0, "{json}");
    assert!(!audited(&dir, "backup.prune").is_empty());
}
