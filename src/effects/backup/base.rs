//! Base backups: `pg_basebackup` of the whole cluster (WAL included, so it restores on its own)
//! for point-in-time restores, and their verification by starting a scratch server on a copy
//! inside the Postgres container.

use super::stream::{exec_from_file, OnProgress, Ticker};
use super::{pg, Backups};
use crate::app::backup::{Kind, Manifest, Table, WalSpan};
use std::time::Duration;

/// Where a base backup is unpacked and started for verification, inside the container.
const SCRATCH: &str = "/tmp/driftdock-verify";
const SCRATCH_PORT: &str = "5499";

fn sh(script: String) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script]
}

/// Parses `name|columns|rows` lines from psql.
fn parse_tables(text: &str) -> Result<Vec<Table>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.rsplitn(2, '|');
            let rows = parts.next().and_then(|r| r.trim().parse().ok());
            let head = parts.next().and_then(|h| h.split_once('|'));
            match (head, rows) {
                (Some((name, columns)), Some(rows)) => Ok(Table {
                    name: name.into(),
                    columns: columns.into(),
                    rows,
                }),
                _ => Err(format!("unexpected line from psql: {l}")),
            }
        })
        .collect()
}

impl Backups {
    pub(super) async fn base(
        &self,
        lock: &super::store::Locked,
        reason: &str,
        on: OnProgress<'_>,
    ) -> Result<Manifest, String> {
        let mut b = self.begin(Kind::Base).await?;
        let (timeline, start_lsn, start_segment) = pg::wal_position(&mut b.conn).await?;
        // Over TCP with the container's own password: replication is not trusted on the
        // socket, and the password never passes through this program.
        let cmd = sh(format!(
            "PGPASSWORD=\"$POSTGRES_PASSWORD\" exec pg_basebackup -h 127.0.0.1 -U {} \
             --no-password -D - -F tar -X fetch -Z 1 --checkpoint=fast",
            self.target.user
        ));
        let (partial, size, sha256) = self.stream_out(lock, &b, &cmd, "base backup", on).await?;
        let tables = pg::tables(&mut b.conn).await?;
        let wal = WalSpan {
            timeline,
            start_lsn,
            start_segment,
        };
        let m = b.manifest(
            &self.target.database,
            reason,
            size,
            sha256,
            tables,
            Some(wal),
        );
        self.keep(partial, m)
    }

    /// Unpacks a base backup beside the live cluster, starts a scratch server on it (it
    /// recovers to the end of the backup), and reads its tables.
    pub(super) async fn restore_base_scratch(
        &self,
        m: &Manifest,
        on: OnProgress<'_>,
    ) -> Result<Vec<Table>, String> {
        let container = self.container().await?;
        let long = Duration::from_secs(300);
        let clean = format!(
            "if [ -f {SCRATCH}/data/postmaster.pid ]; then pg_ctl -D {SCRATCH}/data -m immediate \
             stop >/dev/null 2>&1; fi; rm -rf {SCRATCH}"
        );
        self.as_postgres(&container, &clean, long).await?;
        self.as_postgres(
            &container,
            &format!("mkdir -p {SCRATCH}/data {SCRATCH}/run && chmod 700 {SCRATCH}/data"),
            long,
        )
        .await?;
        let unpack = vec![
            "setpriv".into(),
            "--reuid=postgres".into(),
            "--regid=postgres".into(),
            "--init-groups".into(),
            "tar".into(),
            "-xzf".into(),
            "-".into(),
            "-C".into(),
            format!("{SCRATCH}/data"),
        ];
        let mut ticker = Ticker::new("verify", "unpacking", Some(m.size), on);
        let path = self.store.path_of(&m.file);
        let result = async {
            exec_from_file(&self.docker, &container, &unpack, &path, &mut ticker).await?;
            on(crate::app::backup::Progress {
                op: "verify".into(),
                phase: "recovering a scratch server".into(),
                bytes: m.size,
                total: Some(m.size),
                elapsed_ms: ticker.elapsed().as_millis() as u64,
            });
            let start = format!(
                "rm -f {SCRATCH}/data/postmaster.pid {SCRATCH}/data/recovery.signal \
                 {SCRATCH}/data/standby.signal; pg_ctl -D {SCRATCH}/data -w -t 240 -l \
                 {SCRATCH}/log -o \"-p {SCRATCH_PORT} -c listen_addresses='' -c \
                 unix_socket_directories={SCRATCH}/run -c archive_mode=off -c \
                 shared_buffers=32MB\" start >/dev/null || {{ tail -5 {SCRATCH}/log; exit 1; }}"
            );
            self.as_postgres(&container, &start, long).await?;
            let query = format!(
                "psql -X -v ON_ERROR_STOP=1 -h {SCRATCH}/run -p {SCRATCH_PORT} -U {} -d {} -At \
                 -F '|' -c \"{}\"",
                self.target.user,
                self.target.database,
                pg::TABLES_SQL.replace('"', "\\\"")
            );
            parse_tables(&self.as_postgres(&container, &query, long).await?)
        }
        .await;
        let _ = self.as_postgres(&container, &clean, long).await;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_psql_table_lines() {
        let t = parse_tables("public.events|id bigint, kind text|42\npublic.x||0\n").unwrap();
        assert_eq!(t[0].name, "public.events");
        assert_eq!(t[0].columns, "id bigint, kind text");
        assert_eq!(t[0].rows, 42);
        assert_eq!(t[1].columns, "");
        assert!(parse_tables("garbage").is_err());
    }
}
