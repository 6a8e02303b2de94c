//! The settings a point-in-time restore (or its roll-back) hands Postgres: where archived WAL
//! comes from, where replay stops, and what happens then.

use super::ARCHIVE;
use crate::app::backup::pitr;
use chrono::{DateTime, Utc};

/// The file in the data directory that holds them (included from `postgresql.conf`).
pub const RECOVERY_CONF: &str = "driftdock-recovery.conf";

/// The recovery settings Postgres reads on start: replay from the archive, stop at `target`
/// on the base's own timeline, then open for writes.
pub fn recovery_conf(target: DateTime<Utc>) -> String {
    format!(
        "# written by driftdock for a point-in-time restore\n\
         restore_command = '{}'\n\
         recovery_target_time = '{}'\n\
         recovery_target_timeline = 'current'\n\
         recovery_target_action = 'promote'\n",
        restore_command(),
        pitr::recovery_target(target)
    )
}

/// Reads a segment from the archive, gzipped or not.
fn restore_command() -> String {
    format!(
        "if [ -f {ARCHIVE}/%f.gz ]; then gzip -dc {ARCHIVE}/%f.gz > \"%p\"; else cp {ARCHIVE}/%f \"%p\"; fi"
    )
}

/// Recovery that stops as soon as the cluster is consistent and opens it on a new timeline.
pub fn recovery_conf_immediate() -> String {
    format!(
        "# written by driftdock to roll back a failed point-in-time restore\n\
         restore_command = '{}'\n\
         recovery_target = 'immediate'\n\
         recovery_target_action = 'promote'\n",
        restore_command()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_stops_at_the_target_on_the_base_timeline_and_promotes() {
        let conf = recovery_conf("2026-12-06T06:30:00.5Z".parse().unwrap());
        assert!(conf.contains("recovery_target_time = '2026-12-06 06:30:00.500000+00'"));
        assert!(conf.contains(
            "restore_command = 'if [ -f /var/lib/postgresql/wal-archive/%f.gz ]; then gzip -dc \
             /var/lib/postgresql/wal-archive/%f.gz > \"%p\"; else cp \
             /var/lib/postgresql/wal-archive/%f \"%p\"; fi'"
        ));
        assert!(conf.contains("recovery_target_timeline = 'current'"));
        assert!(conf.contains("recovery_target_action = 'promote'"));
    }
}
