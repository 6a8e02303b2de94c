//! A journal of a run: a header line with what its State started from, then one JSON line
//! `{"t": seconds since the start, "msg": …}` per message `update` was fed, in order.
//! `driftdock replay` feeds the same messages to the same `update` and draws them with the
//! same view. Lines are redacted like recordings, and written as the run goes.

use super::redact::Redactor;
use crate::app::start::Start;
use crate::app::Msg;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// The format's version.
    pub journal: u32,
    pub start: Start,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Seconds since the start.
    pub t: f64,
    pub msg: Msg,
}

/// A journal being written.
pub struct JournalWriter {
    out: BufWriter<File>,
    path: PathBuf,
    start: Instant,
    redactor: Redactor,
    error: Option<String>,
}

impl JournalWriter {
    /// Creates `path` (refusing an existing file unless `overwrite`) and writes the header.
    pub fn create(
        path: &Path,
        start: &Start,
        overwrite: bool,
        redactor: Redactor,
    ) -> Result<JournalWriter> {
        let file = super::create_file(path, overwrite)?;
        let mut journal = JournalWriter {
            out: BufWriter::new(file),
            path: path.to_path_buf(),
            start: Instant::now(),
            redactor,
            error: None,
        };
        let header = Header {
            journal: VERSION,
            start: start.clone(),
        };
        journal.line(&serde_json::to_string(&header)?);
        journal.flush();
        if let Some(e) = journal.error.take() {
            bail!("cannot write to {}: {e}", path.display());
        }
        Ok(journal)
    }

    /// Notes a message, stamped with the time since the start.
    pub fn write(&mut self, msg: &Msg) {
        if self.error.is_some() {
            return;
        }
        let t = (self.start.elapsed().as_secs_f64() * 1e6).round() / 1e6;
        match serde_json::to_string(&Entry {
            t,
            msg: msg.clone(),
        }) {
            Ok(line) => self.line(&line),
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    fn line(&mut self, json: &str) {
        let mut line = self.redactor.apply(json);
        line.push('\n');
        if let Err(e) = self.out.write_all(line.as_bytes()) {
            self.error = Some(e.to_string());
        }
    }

    /// Hands what is buffered to the file; the loop calls this once per frame.
    pub fn flush(&mut self) {
        if self.error.is_none() {
            if let Err(e) = self.out.flush() {
                self.error = Some(e.to_string());
            }
        }
    }

    /// Flushes the rest; the error that stopped the journal, if one did.
    pub fn finish(&mut self) -> std::result::Result<(), String> {
        self.flush();
        match &self.error {
            Some(e) => Err(format!(
                "the journal {} stopped early: {e}",
                self.path.display()
            )),
            None => Ok(()),
        }
    }
}

/// A journal read back whole.
#[derive(Clone, Debug)]
pub struct Journal {
    pub start: Start,
    pub entries: Vec<Entry>,
    /// A last line cut off mid-write (the run was killed) is left out, and said so.
    pub cut_off: bool,
}

/// serde_json's message without its own ` at line L column C`, which we say as `file:L:C`.
fn what(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Reads and checks a journal: `file:line:column: what was expected` on the first bad line.
pub fn read(path: &Path) -> Result<Journal> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the journal {}", path.display()))?;
    parse(&text, &path.display().to_string())
}

pub fn parse(text: &str, origin: &str) -> Result<Journal> {
    let mut lines = text.split_inclusive('\n').enumerate().peekable();
    let Some((_, first)) = lines.next() else {
        bail!("{origin}:1: expected a journal header line, found an empty file");
    };
    let header: Header = serde_json::from_str(first).map_err(|e| {
        anyhow::anyhow!(
            "{origin}:1:{}: expected a journal header ({{\"journal\": {VERSION}, \"start\": …}}): {}",
            e.column(),
            what(&e)
        )
    })?;
    if header.journal != VERSION {
        bail!(
            "{origin}:1: expected journal version {VERSION}, found {}",
            header.journal
        );
    }
    let mut entries = Vec::new();
    let mut cut_off = false;
    let mut last = 0.0;
    while let Some((i, line)) = lines.next() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let entry: Entry = match serde_json::from_str(line) {
            Ok(entry) => entry,
            // Only the very last line may be cut short, by a run that was killed.
            Err(e) if e.is_eof() && lines.peek().is_none() && !line.ends_with('\n') => {
                cut_off = true;
                break;
            }
            Err(e) => bail!("{origin}:{n}:{}: {}", e.column(), what(&e)),
        };
        if !entry.t.is_finite() || entry.t < last {
            bail!(
                "{origin}:{n}: expected a time `t` of at least {last} s (the line before's), found {}",
                entry.t
            );
        }
        last = entry.t;
        entries.push(entry);
    }
    Ok(Journal {
        start: header.start,
        entries,
        cut_off,
    })
}
