//! Moving bytes between a file on this host and a command in the Postgres container, through
//! the Docker API: out of `pg_dump` into a file (hashing as it goes), and from a file into
//! `pg_restore` or `tar`. Progress is reported at most ten times a second.

use crate::app::backup::Progress;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::Docker;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Called with each progress report.
pub type OnProgress<'a> = &'a (dyn Fn(Progress) + Send + Sync);

/// Keeps the last part of stderr, for the error message.
const STDERR_KEEP: usize = 4096;
const CHUNK: usize = 256 * 1024;

pub struct Ticker<'a> {
    op: String,
    phase: String,
    total: Option<u64>,
    started: Instant,
    last: Option<Instant>,
    on: OnProgress<'a>,
}

impl<'a> Ticker<'a> {
    pub fn new(op: &str, phase: &str, total: Option<u64>, on: OnProgress<'a>) -> Self {
        Ticker {
            op: op.into(),
            phase: phase.into(),
            total,
            started: Instant::now(),
            last: None,
            on,
        }
    }

    pub fn report(&mut self, bytes: u64, force: bool) {
        let now = Instant::now();
        if !force
            && self
                .last
                .is_some_and(|l| now - l < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(now);
        (self.on)(Progress {
            op: self.op.clone(),
            phase: self.phase.clone(),
            bytes,
            total: self.total,
            elapsed_ms: self.started.elapsed().as_millis() as u64,
        });
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

async fn start(
    docker: &Docker,
    container: &str,
    cmd: &[String],
    stdin: bool,
) -> Result<(String, StartExecResults), String> {
    let created = docker
        .create_exec(
            container,
            CreateExecOptions {
                cmd: Some(cmd.to_vec()),
                attach_stdin: Some(stdin),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| format!("cannot run {} in the container: {e}", cmd[0]))?;
    let started = docker
        .start_exec(
            &created.id,
            Some(StartExecOptions {
                detach: false,
                tty: false,
                output_capacity: Some(CHUNK),
            }),
        )
        .await
        .map_err(|e| format!("cannot start {}: {e}", cmd[0]))?;
    Ok((created.id, started))
}

async fn exit_code(docker: &Docker, exec_id: &str) -> Result<i64, String> {
    docker
        .inspect_exec(exec_id)
        .await
        .map_err(|e| format!("cannot read the exit code: {e}"))
        .map(|i| i.exit_code.unwrap_or(-1))
}

fn keep_tail(buf: &mut Vec<u8>, more: &[u8]) {
    buf.extend_from_slice(more);
    if buf.len() > STDERR_KEEP {
        buf.drain(..buf.len() - STDERR_KEEP);
    }
}

fn failure(cmd: &[String], code: i64, stderr: &[u8]) -> String {
    let text = crate::config::redact_str(String::from_utf8_lossy(stderr).trim());
    let last: Vec<&str> = text.lines().rev().take(3).collect();
    let last: Vec<&str> = last.into_iter().rev().collect();
    format!("{} exited with {code}: {}", cmd[0], last.join(" / "))
}

/// Runs `cmd` and writes its stdout to `file`, returning (bytes, sha256 hex). The file is
/// synced before this returns.
pub async fn exec_to_file(
    docker: &Docker,
    container: &str,
    cmd: &[String],
    file: &mut std::fs::File,
    ticker: &mut Ticker<'_>,
) -> Result<(u64, String), String> {
    let (id, started) = start(docker, container, cmd, false).await?;
    let StartExecResults::Attached { mut output, .. } = started else {
        return Err("the exec started detached".into());
    };
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    let mut stderr = Vec::new();
    let mut buf = std::io::BufWriter::with_capacity(CHUNK, &mut *file);
    while let Some(part) = output.next().await {
        match part.map_err(|e| format!("{} output broke off: {e}", cmd[0]))? {
            LogOutput::StdOut { message } => {
                hasher.update(&message);
                buf.write_all(&message)
                    .map_err(|e| format!("cannot write the backup: {e}"))?;
                bytes += message.len() as u64;
                ticker.report(bytes, false);
            }
            LogOutput::StdErr { message } => keep_tail(&mut stderr, &message),
            _ => {}
        }
    }
    buf.flush()
        .map_err(|e| format!("cannot write the backup: {e}"))?;
    drop(buf);
    let code = exit_code(docker, &id).await?;
    if code != 0 {
        return Err(failure(cmd, code, &stderr));
    }
    file.sync_all()
        .map_err(|e| format!("cannot sync the backup to disk: {e}"))?;
    ticker.report(bytes, true);
    Ok((bytes, format!("{:x}", hasher.finalize())))
}

/// Runs `cmd` with `path`'s bytes as its stdin; returns its stdout.
pub async fn exec_from_file(
    docker: &Docker,
    container: &str,
    cmd: &[String],
    path: &std::path::Path,
    ticker: &mut Ticker<'_>,
) -> Result<String, String> {
    let mut chunks = Chunks::open(path).await?;
    let (id, started) = start(docker, container, cmd, true).await?;
    let StartExecResults::Attached {
        mut output,
        mut input,
    } = started
    else {
        return Err("the exec started detached".into());
    };
    let feed = async {
        let mut sent = 0u64;
        while let Some(chunk) = chunks.next().await? {
            // A command that stops reading (it failed) ends the feed; its exit code says why.
            if input.write_all(chunk).await.is_err() {
                return Ok::<_, String>(sent);
            }
            sent += chunk.len() as u64;
            ticker.report(sent, false);
        }
        let _ = input.shutdown().await;
        ticker.report(sent, true);
        Ok(sent)
    };
    let drain = async {
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        while let Some(part) = output.next().await {
            match part {
                Ok(LogOutput::StdOut { message }) => stdout.extend_from_slice(&message),
                Ok(LogOutput::StdErr { message }) => keep_tail(&mut stderr, &message),
                Ok(_) => {}
                Err(e) => return Err(format!("{} output broke off: {e}", cmd[0])),
            }
        }
        Ok((stdout, stderr))
    };
    let (fed, drained) = tokio::join!(feed, drain);
    fed?;
    let (stdout, stderr) = drained?;
    let code = exit_code(docker, &id).await?;
    if code != 0 {
        return Err(failure(cmd, code, &stderr));
    }
    Ok(String::from_utf8_lossy(&stdout).into_owned())
}

/// The sha256 of a file, read in the background.
pub async fn sha256_file(
    path: &std::path::Path,
    ticker: &mut Ticker<'_>,
) -> Result<String, String> {
    let mut chunks = Chunks::open(path).await?;
    let mut hasher = Sha256::new();
    let mut read = 0u64;
    while let Some(chunk) = chunks.next().await? {
        hasher.update(chunk);
        read += chunk.len() as u64;
        ticker.report(read, false);
    }
    ticker.report(read, true);
    Ok(format!("{:x}", hasher.finalize()))
}

/// A file read in large chunks, with its name in every error.
struct Chunks {
    file: tokio::fs::File,
    buf: Vec<u8>,
    path: std::path::PathBuf,
}

impl Chunks {
    async fn open(path: &std::path::Path) -> Result<Chunks, String> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        Ok(Chunks {
            file,
            buf: vec![0u8; CHUNK],
            path: path.to_path_buf(),
        })
    }

    async fn next(&mut self) -> Result<Option<&[u8]>, String> {
        let n = self
            .file
            .read(&mut self.buf)
            .await
            .map_err(|e| format!("cannot read {}: {e}", self.path.display()))?;
        Ok((n > 0).then(|| &self.buf[..n]))
    }
}
