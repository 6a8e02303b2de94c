//! An asciicast v2 recording of what the control room draws: a JSON header line, then one
//! `[seconds, "o", text]` line per frame and `[seconds, "r", "WxH"]` per resize. Each line is
//! written whole as it happens, so a recording cut short by a crash is still a valid prefix.

use super::redact::Redactor;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The header line (asciicast v2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub version: u32,
    pub width: u16,
    pub height: u16,
    /// Unix time of the start.
    pub timestamp: i64,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

impl Header {
    pub fn new(width: u16, height: u16) -> Self {
        let env = ["TERM", "SHELL"]
            .into_iter()
            .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
            .collect();
        Header {
            version: 2,
            width,
            height,
            timestamp: chrono::Utc::now().timestamp(),
            env,
        }
    }
}

/// A recording being written. Terminal output is buffered and becomes one event per flush
/// (ratatui flushes once per frame).
pub struct Cast {
    file: File,
    path: PathBuf,
    start: Instant,
    redactor: Redactor,
    pending: Vec<u8>,
    /// The first write error; the recording stops there and the error is reported at the end.
    error: Option<String>,
}

/// The recording as the terminal writer and the loop both hold it.
pub type SharedCast = Arc<Mutex<Cast>>;

impl Cast {
    /// Creates `path` (refusing an existing file unless `overwrite`) and writes the header.
    pub fn create(
        path: &Path,
        header: &Header,
        overwrite: bool,
        redactor: Redactor,
    ) -> Result<Cast> {
        let mut file = super::create_file(path, overwrite)?;
        let mut line = serde_json::to_string(header)?;
        line.push('\n');
        file.write_all(line.as_bytes())
            .with_context(|| format!("cannot write to {}", path.display()))?;
        Ok(Cast {
            file,
            path: path.to_path_buf(),
            start: Instant::now(),
            redactor,
            pending: Vec::new(),
            error: None,
        })
    }

    pub fn shared(self) -> SharedCast {
        Arc::new(Mutex::new(self))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes that went to the terminal; they are written out at the next flush.
    pub fn output(&mut self, bytes: &[u8]) {
        if self.error.is_none() {
            self.pending.extend_from_slice(bytes);
        }
    }

    /// Writes what was output since the last flush as one event.
    pub fn flush(&mut self) {
        if self.pending.is_empty() || self.error.is_some() {
            return;
        }
        // A character cut in two by a write waits for its other half.
        let keep = incomplete_tail(&self.pending);
        let tail = self.pending.split_off(self.pending.len() - keep);
        let bytes = std::mem::replace(&mut self.pending, tail);
        if bytes.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&bytes);
        self.event("o", &self.redactor.apply(&text));
    }

    /// The terminal changed size; what was drawn before it is flushed first.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.flush();
        self.event("r", &format!("{width}x{height}"));
    }

    fn event(&mut self, code: &str, data: &str) {
        if self.error.is_some() {
            return;
        }
        // Microseconds, as asciinema writes them.
        let t = (self.start.elapsed().as_secs_f64() * 1e6).round() / 1e6;
        let line = match serde_json::to_string(&(t, code, data)) {
            Ok(mut l) => {
                l.push('\n');
                l
            }
            Err(e) => return self.fail(e.to_string()),
        };
        // One write per line keeps a crash from leaving half an event behind, most of the time.
        if let Err(e) = self.file.write_all(line.as_bytes()) {
            self.fail(e.to_string());
        }
    }

    fn fail(&mut self, error: String) {
        self.error = Some(error);
        self.pending.clear();
    }

    /// Flushes the rest; the error that stopped the recording, if one did.
    pub fn finish(&mut self) -> std::result::Result<(), String> {
        self.flush();
        if let Some(e) = &self.error {
            return Err(format!(
                "the recording {} stopped early: {e}",
                self.path.display()
            ));
        }
        self.file.sync_data().map_err(|e| e.to_string())
    }
}

/// How many bytes at the end of `bytes` start a UTF-8 character that is not complete yet.
fn incomplete_tail(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => 0,
        Err(e) if e.error_len().is_none() => bytes.len() - e.valid_up_to(),
        Err(_) => 0,
    }
}

/// Writes to the terminal and tees the same bytes into a recording.
pub struct Tee<W: Write> {
    out: W,
    cast: Option<SharedCast>,
}

impl<W: Write> Tee<W> {
    pub fn new(out: W, cast: Option<SharedCast>) -> Self {
        Tee { out, cast }
    }

    fn with_cast(&self, f: impl FnOnce(&mut Cast)) {
        if let Some(cast) = &self.cast {
            // A poisoned lock only means a panic elsewhere; the recording is still whole.
            let mut cast = cast.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut cast);
        }
    }
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.with_cast(|c| c.output(&buf[..n]));
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.with_cast(Cast::flush);
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_character_waits_for_its_other_half() {
        let s = "a→".as_bytes();
        assert_eq!(incomplete_tail(&s[..2]), 1);
        assert_eq!(incomplete_tail(s), 0);
    }
}
