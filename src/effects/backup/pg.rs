//! What the backups ask Postgres directly: the tables with their exact row counts, the server's
//! version, the WAL position, and the connections to end before a restore.

use crate::app::backup::Table;
use crate::config::{redact_str, SecretUrl};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Executor};
use std::str::FromStr;
use std::time::Duration;

/// Every user table with its columns and exact row count, in one statement so that, inside a
/// snapshot, all counts are of the same moment.
pub const TABLES_SQL: &str = "SELECT n.nspname || '.' || c.relname, \
    (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' \
        ORDER BY a.attnum) FROM pg_attribute a \
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), \
    (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', \
        n.nspname, c.relname), false, true, '')))[1]::text::bigint \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
    AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' ORDER BY 1";

/// The database, user and password of the lab's URL.
#[derive(Clone, Debug)]
pub struct Target {
    pub url: SecretUrl,
    pub database: String,
    pub user: String,
}

impl Target {
    pub fn from_url(url: &SecretUrl) -> Result<Target, String> {
        let options = PgConnectOptions::from_str(url.expose())
            .map_err(|e| format!("bad postgres URL: {}", redact_str(&e.to_string())))?;
        Ok(Target {
            url: url.clone(),
            database: options.get_database().unwrap_or("postgres").to_string(),
            user: options.get_username().to_string(),
        })
    }

    /// `pg_restore` into `database` as the lab's user, with `flags` first.
    pub fn pg_restore(&self, database: &str, flags: &[&str]) -> Vec<String> {
        let mut cmd = vec!["pg_restore".to_string()];
        cmd.extend(flags.iter().map(|f| f.to_string()));
        for arg in [
            "--exit-on-error",
            "--no-owner",
            "--no-password",
            "--username",
            &self.user,
            "--dbname",
            database,
        ] {
            cmd.push(arg.to_string());
        }
        cmd
    }

    /// A connection to `database` (default: the lab's).
    pub async fn connect(&self, database: Option<&str>) -> Result<PgConnection, String> {
        let mut options = PgConnectOptions::from_str(self.url.expose())
            .map_err(|e| format!("bad postgres URL: {}", redact_str(&e.to_string())))?
            .application_name("driftdock-backup")
            .disable_statement_logging();
        if let Some(db) = database {
            options = options.database(db);
        }
        tokio::time::timeout(Duration::from_secs(10), options.connect())
            .await
            .map_err(|_| "postgres is DOWN: no connection within 10 s".to_string())?
            .map_err(|e| format!("postgres is DOWN: {}", redact_str(&e.to_string())))
    }
}

fn pg(e: sqlx::Error) -> String {
    format!("postgres: {}", redact_str(&e.to_string()))
}

pub async fn tables(conn: &mut PgConnection) -> Result<Vec<Table>, String> {
    let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(TABLES_SQL)
        .fetch_all(&mut *conn)
        .await
        .map_err(pg)?;
    Ok(rows
        .into_iter()
        .map(|(name, columns, rows)| Table {
            name,
            rows,
            columns: columns.unwrap_or_default(),
        })
        .collect())
}

pub async fn server_version(conn: &mut PgConnection) -> Result<String, String> {
    let (v,): (String,) = sqlx::query_as("SHOW server_version")
        .fetch_one(&mut *conn)
        .await
        .map_err(pg)?;
    Ok(v)
}

/// Opens a repeatable-read transaction and exports its snapshot, so pg_dump sees exactly what
/// the row counts saw. The snapshot lives as long as the transaction stays open.
pub async fn export_snapshot(conn: &mut PgConnection) -> Result<String, String> {
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(pg)?;
    let (snap,): (String,) = sqlx::query_as("SELECT pg_export_snapshot()")
        .fetch_one(&mut *conn)
        .await
        .map_err(pg)?;
    Ok(snap)
}

pub async fn end_snapshot(conn: &mut PgConnection) {
    let _ = conn.execute("COMMIT").await;
}

/// Ends every other session on `database`, so a restore meets no locks.
pub async fn end_other_sessions(conn: &mut PgConnection, database: &str) -> Result<u64, String> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(database)
    .fetch_one(&mut *conn)
    .await
    .map_err(pg)?;
    Ok(n as u64)
}

pub async fn execute(conn: &mut PgConnection, sql: &str) -> Result<(), String> {
    conn.execute(sql).await.map(|_| ()).map_err(pg)
}

/// The timeline and the WAL segment now being written.
pub async fn wal_position(conn: &mut PgConnection) -> Result<(u32, String, String), String> {
    let (tli, lsn, segment): (i32, String, String) = sqlx::query_as(
        "SELECT timeline_id, pg_current_wal_lsn()::text, pg_walfile_name(pg_current_wal_lsn()) \
         FROM pg_control_checkpoint()",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(pg)?;
    Ok((tli as u32, lsn, segment))
}

/// Closes the current WAL segment and waits until the archive has it, so the archive reaches
/// this moment. Returns the moment.
pub async fn archive_now(conn: &mut PgConnection) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let (segment, at): (String, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT pg_walfile_name(pg_switch_wal()), now()")
            .fetch_one(&mut *conn)
            .await
            .map_err(pg)?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (last, failed): (Option<String>, Option<String>) =
            sqlx::query_as("SELECT last_archived_wal, last_failed_wal FROM pg_stat_archiver")
                .fetch_one(&mut *conn)
                .await
                .map_err(pg)?;
        // Segment names of one timeline sort in WAL order.
        if last.as_deref().is_some_and(|l| l[8..] >= segment[8..]) {
            return Ok(at);
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!(
                "the WAL archive did not reach {segment} within 60 s (last archived: {}, last \
                 failed: {})",
                last.unwrap_or_else(|| "none".into()),
                failed.unwrap_or_else(|| "none".into())
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether the server is still replaying WAL.
pub async fn in_recovery(conn: &mut PgConnection) -> Result<bool, String> {
    let (r,): (bool,) = sqlx::query_as("SELECT pg_is_in_recovery()")
        .fetch_one(&mut *conn)
        .await
        .map_err(pg)?;
    Ok(r)
}

/// Quotes an identifier for SQL text.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
