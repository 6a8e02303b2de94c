//! Retention: which backups to delete after a new one. Each kind is judged on its own: a backup
//! stays if it is among the newest `keep_last` of its kind or younger than `keep_within`
//! (a rule set to 0 is off; both off keeps everything). The newest verified backup of each kind
//! always stays, so pruning can never leave only unverified backups behind, and a base backup
//! stays while it is the only one a point-in-time restore could start from.

use super::{Kind, Manifest};
use chrono::{DateTime, Utc};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    pub keep_last: usize,
    pub keep_within: Duration,
}

/// Why a backup stays, for `prune --dry-run` and the audit line.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub id: String,
    pub keep: bool,
    pub why: &'static str,
}

pub fn judge(backups: &[Manifest], rule: Rule, now: DateTime<Utc>) -> Vec<Verdict> {
    let mut out = Vec::new();
    for kind in [Kind::Dump, Kind::Base] {
        let mut of_kind: Vec<&Manifest> = backups.iter().filter(|m| m.kind == kind).collect();
        of_kind.sort_by_key(|m| std::cmp::Reverse(m.started_at));
        let newest_verified = of_kind.iter().find(|m| m.verified_ok()).map(|m| &m.id);
        let off = rule.keep_last == 0 && rule.keep_within.is_zero();
        for (rank, m) in of_kind.iter().enumerate() {
            let age = (now - m.finished_at).to_std().unwrap_or_default();
            let why = if off {
                Some("retention is off")
            } else if rule.keep_last > 0 && rank < rule.keep_last {
                Some("among the newest")
            } else if !rule.keep_within.is_zero() && age < rule.keep_within {
                Some("young enough")
            } else if newest_verified == Some(&m.id) {
                Some("the newest verified")
            } else if kind == Kind::Base && rank == 0 {
                Some("the newest base")
            } else {
                None
            };
            out.push(Verdict {
                id: m.id.clone(),
                keep: why.is_some(),
                why: why.unwrap_or("past retention"),
            });
        }
    }
    out
}

/// The ids retention deletes.
pub fn to_delete(backups: &[Manifest], rule: Rule, now: DateTime<Utc>) -> Vec<String> {
    judge(backups, rule, now)
        .into_iter()
        .filter(|v| !v.keep)
        .map(|v| v.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::backup::{Verification, MANIFEST_VERSION};

    fn m(id: &str, kind: Kind, hours_ago: i64, verified: Option<bool>) -> Manifest {
        let now: DateTime<Utc> = "2026-12-06T12:00:00Z".parse().unwrap();
        let at = now - chrono::Duration::hours(hours_ago);
        Manifest {
            version: MANIFEST_VERSION,
            id: id.into(),
            kind,
            file: format!("{id}.{}", kind.extension()),
            started_at: at,
            finished_at: at,
            size: 1,
            sha256: String::new(),
            server_version: "15".into(),
            database: "db".into(),
            tables: vec![],
            reason: "manual".into(),
            wal: None,
            verified: verified.map(|ok| Verification {
                at,
                ok,
                detail: String::new(),
                took_ms: 0,
            }),
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-12-06T12:00:00Z".parse().unwrap()
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn keeps_the_newest_n_of_each_kind() {
        let all: Vec<_> = (0..5)
            .map(|i| m(&format!("d{i}"), Kind::Dump, i, None))
            .chain((0..3).map(|i| m(&format!("b{i}"), Kind::Base, i, None)))
            .collect();
        let rule = Rule {
            keep_last: 2,
            keep_within: Duration::ZERO,
        };
        assert_eq!(to_delete(&all, rule, now()), ["d2", "d3", "d4", "b2"]);
    }

    #[test]
    fn keeps_what_is_young_enough_as_well() {
        let all: Vec<_> = (0..5)
            .map(|i| m(&format!("d{i}"), Kind::Dump, i * 10, None))
            .collect();
        let rule = Rule {
            keep_last: 1,
            keep_within: 25 * HOUR,
        };
        // d0 is the newest, d1 (10 h) and d2 (20 h) are young enough.
        assert_eq!(to_delete(&all, rule, now()), ["d3", "d4"]);
    }

    #[test]
    fn never_deletes_the_only_verified_one() {
        let all = vec![
            m("d0", Kind::Dump, 1, None),
            m("d1", Kind::Dump, 2, Some(false)),
            m("d2", Kind::Dump, 3, Some(true)),
            m("d3", Kind::Dump, 4, Some(true)),
        ];
        let rule = Rule {
            keep_last: 1,
            keep_within: Duration::ZERO,
        };
        let verdicts = judge(&all, rule, now());
        assert_eq!(to_delete(&all, rule, now()), ["d1", "d3"]);
        assert_eq!(verdicts[2].why, "the newest verified");
    }

    #[test]
    fn both_rules_off_keeps_everything_and_a_base_is_never_left_without_one() {
        let all = vec![
            m("d0", Kind::Dump, 100, None),
            m("b0", Kind::Base, 100, None),
        ];
        let off = Rule {
            keep_last: 0,
            keep_within: Duration::ZERO,
        };
        assert!(to_delete(&all, off, now()).is_empty());
        let young = Rule {
            keep_last: 0,
            keep_within: HOUR,
        };
        assert_eq!(to_delete(&all, young, now()), ["d0"]);
    }
}
