//! Point-in-time restore, decided before anything is touched: what the user's TIME means, and
//! which base backup (plus the archived WAL after it) can reach it.

use super::{Kind, Manifest};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Reads a target time: RFC 3339 (`2026-12-06T06:30:00Z`), a local `YYYY-MM-DD HH:MM:SS[.f]`,
/// a local `HH:MM:SS[.f]` today, or `N{s,m,h} ago`. `offset` is the local time zone.
pub fn parse_time(
    text: &str,
    now: DateTime<Utc>,
    offset: FixedOffset,
) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    let expected = "expected a time: 2026-12-06T06:30:00Z, \"2026-12-06 06:30:00\", 06:30:00 \
                    (today, local time) or \"90s ago\"";
    if let Some(ago) = t.strip_suffix("ago") {
        let d =
            humantime::parse_duration(ago.trim()).map_err(|e| format!("`{t}`: {e}; {expected}"))?;
        let d = chrono::Duration::from_std(d).map_err(|_| format!("`{t}` is too long ago"))?;
        return Ok(now - d);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    let local = |naive: NaiveDateTime| {
        offset
            .from_local_datetime(&naive)
            .single()
            .map(|at| at.with_timezone(&Utc))
            .ok_or_else(|| format!("`{t}` is not a valid local time"))
    };
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, format) {
            return local(naive);
        }
    }
    if let Ok(time) = NaiveTime::parse_from_str(t, "%H:%M:%S%.f") {
        let today: NaiveDate = now.with_timezone(&offset).date_naive();
        return local(today.and_time(time));
    }
    Err(format!("`{t}`: {expected}"))
}

/// The base backup a restore to `target` starts from: the newest one complete by then. The
/// archive must reach `target` too: `archive_end` is the newest moment the archive holds.
pub fn choose_base(
    backups: &[Manifest],
    target: DateTime<Utc>,
    archive_end: DateTime<Utc>,
) -> Result<&Manifest, String> {
    let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string();
    if target > archive_end {
        return Err(format!(
            "{} is after the newest archived moment ({}): the archive cannot reach it",
            fmt(target),
            fmt(archive_end)
        ));
    }
    let mut bases: Vec<&Manifest> = backups.iter().filter(|m| m.kind == Kind::Base).collect();
    bases.sort_by_key(|m| m.finished_at);
    let oldest = bases.first().ok_or_else(|| {
        "no base backup: take one first (`driftdock backup create --base`, or `B`)".to_string()
    })?;
    if target < oldest.finished_at {
        return Err(format!(
            "{} is before the oldest base backup was complete ({}, {}): the archive cannot \
             reach it",
            fmt(target),
            oldest.id,
            fmt(oldest.finished_at)
        ));
    }
    let base = bases
        .iter()
        .rev()
        .find(|m| m.finished_at <= target)
        .expect("the oldest base is complete by target");
    if base.verified.as_ref().is_some_and(|v| !v.ok) {
        return Err(format!(
            "the base backup for {} ({}) failed verification: {}",
            fmt(target),
            base.id,
            base.verified.as_ref().map_or("", |v| v.detail.as_str())
        ));
    }
    Ok(base)
}

/// The recovery target as Postgres reads it.
pub fn recovery_target(target: DateTime<Utc>) -> String {
    target.format("%Y-%m-%d %H:%M:%S%.6f+00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::backup::{Verification, MANIFEST_VERSION};

    fn now() -> DateTime<Utc> {
        "2026-12-06T12:00:00Z".parse().unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn reads_every_form_of_time() {
        let z = FixedOffset::east_opt(0).unwrap();
        let plus2 = FixedOffset::east_opt(2 * 3600).unwrap();
        assert_eq!(
            parse_time("2026-12-06T06:30:00Z", now(), plus2).unwrap(),
            utc("2026-12-06T06:30:00Z")
        );
        assert_eq!(
            parse_time("2026-12-06 08:30:00.250", now(), plus2).unwrap(),
            utc("2026-12-06T06:30:00.250Z")
        );
        assert_eq!(
            parse_time("11:59:30", now(), z).unwrap(),
            utc("2026-12-06T11:59:30Z")
        );
        assert_eq!(
            parse_time("90s ago", now(), z).unwrap(),
            utc("2026-12-06T11:58:30Z")
        );
        for bad in ["", "yesterday", "25:00:00", "2026-13-01 00:00:00", "x ago"] {
            let e = parse_time(bad, now(), z).unwrap_err();
            assert!(e.contains("expected") || e.contains("ago"), "{bad}: {e}");
        }
    }

    fn base(id: &str, finished: &str, ok: Option<bool>) -> Manifest {
        Manifest {
            version: MANIFEST_VERSION,
            id: id.into(),
            kind: Kind::Base,
            file: format!("{id}.tar.gz"),
            started_at: utc(finished) - chrono::Duration::seconds(5),
            finished_at: utc(finished),
            size: 1,
            sha256: String::new(),
            server_version: "15".into(),
            database: "db".into(),
            tables: vec![],
            reason: "manual".into(),
            wal: None,
            verified: ok.map(|ok| Verification {
                at: now(),
                ok,
                detail: "bad checksum".into(),
                took_ms: 0,
            }),
        }
    }

    #[test]
    fn picks_the_newest_base_complete_by_the_target() {
        let all = vec![
            base("b1", "2026-12-06T10:00:00Z", None),
            base("b2", "2026-12-06T11:00:00Z", None),
        ];
        let end = now();
        let pick = |t: &str| choose_base(&all, utc(t), end).map(|m| m.id.clone());
        assert_eq!(pick("2026-12-06T10:30:00Z").unwrap(), "b1");
        assert_eq!(pick("2026-12-06T11:00:00Z").unwrap(), "b2");
        assert!(pick("2026-12-06T09:00:00Z")
            .unwrap_err()
            .contains("before the oldest base"));
        assert!(pick("2026-12-06T12:00:01Z")
            .unwrap_err()
            .contains("after the newest archived"));
        assert!(choose_base(&[], now(), end)
            .unwrap_err()
            .contains("no base backup"));
        let failed = vec![base("b1", "2026-12-06T10:00:00Z", Some(false))];
        assert!(choose_base(&failed, now(), end)
            .unwrap_err()
            .contains("failed verification"));
    }

    #[test]
    fn the_target_is_given_to_postgres_in_utc_with_microseconds() {
        assert_eq!(
            recovery_target(utc("2026-12-06T06:30:00.123456Z")),
            "2026-12-06 06:30:00.123456+00"
        );
    }
}
