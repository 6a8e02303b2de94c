//! Following one lab container's logs: the last 200 lines, then new ones as they come, cleaned
//! of terminal escapes and sent in batches at most every 100 ms.

use super::docker::{describe, lab_filters};
use crate::app::msg::Msg;
use bollard::container::LogOutput;
use bollard::query_parameters::{ListContainersOptions, LogsOptions};
use bollard::Docker;
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

pub const TAIL: &str = "200";
const BATCH_EVERY: Duration = Duration::from_millis(100);
/// A batch is sent early past this many lines, so a burst cannot grow one without bound.
const BATCH_MAX: usize = 2000;

/// Follows `id`'s stdout and stderr until the stream ends or the handle is aborted. A container
/// outside the lab's project is refused with one error line and nothing else.
pub fn follow(docker: Docker, project: String, id: String, tx: Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let send = |lines: Vec<String>| {
            tx.send(Msg::Logs {
                container_id: id.clone(),
                lines,
            })
        };
        match in_lab(&docker, &project, &id).await {
            Ok(true) => {}
            Ok(false) => {
                let line = format!(
                    "[logs refused: {id} is not a container of the lab (project {project})]"
                );
                let _ = send(vec![line]).await;
                return;
            }
            Err(e) => {
                let _ = send(vec![format!("[logs: {}]", super::runner::short_error(&e))]).await;
                return;
            }
        }
        let mut stream = docker.logs(
            &id,
            Some(LogsOptions {
                follow: true,
                stdout: true,
                stderr: true,
                tail: TAIL.to_string(),
                ..Default::default()
            }),
        );
        let mut batch: Vec<String> = Vec::new();
        // The flush is armed only while lines wait: an idle log costs no wake-ups.
        let mut flush_at: Option<tokio::time::Instant> = None;
        loop {
            let flush = async {
                match flush_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                next = stream.next() => match next {
                    Some(Ok(chunk)) => {
                        push_lines(&mut batch, &chunk);
                        if batch.len() >= BATCH_MAX {
                            if send(std::mem::take(&mut batch)).await.is_err() {
                                return;
                            }
                            flush_at = None;
                        } else if flush_at.is_none() && !batch.is_empty() {
                            flush_at = Some(tokio::time::Instant::now() + BATCH_EVERY);
                        }
                    }
                    Some(Err(e)) => {
                        batch.push(format!("[logs: {}]", super::runner::short_error(&describe(&e))));
                        break;
                    }
                    None => {
                        batch.push("[logs: stream ended]".to_string());
                        break;
                    }
                },
                _ = flush => {
                    flush_at = None;
                    if !batch.is_empty() && send(std::mem::take(&mut batch)).await.is_err() {
                        return;
                    }
                }
            }
        }
        let _ = send(batch).await;
    })
}

/// Whether `id` is one of the lab's containers, asked through the lab's own filter.
async fn in_lab(docker: &Docker, project: &str, id: &str) -> Result<bool, String> {
    let mut filters = lab_filters(project);
    filters.insert("id".to_string(), vec![id.to_string()]);
    let found = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        }))
        .await
        .map_err(|e| describe(&e))?;
    // The id filter matches prefixes: the name must match in full as well.
    Ok(found.iter().any(|c| {
        super::docker::is_lab_container(c.labels.as_ref(), project)
            && c.id.as_deref().is_some_and(|full| full.starts_with(id))
    }))
}

fn push_lines(batch: &mut Vec<String>, chunk: &LogOutput) {
    let text = String::from_utf8_lossy(chunk.as_ref());
    for line in text.split('\n') {
        let clean = clean_line(line);
        if !clean.is_empty() || !line.is_empty() {
            batch.push(clean);
        }
    }
    // A chunk ends with its newline: the empty piece after it is not a line.
    if text.ends_with('\n') && batch.last().is_some_and(String::is_empty) {
        batch.pop();
    }
}

/// Drops terminal escape sequences (CSI, OSC and two-byte ones) and control characters; a tab
/// becomes spaces so columns stay put.
pub fn clean_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates up to a final byte @..~
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC: up to BEL or ESC \
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\t' => out.push_str("    "),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(text: &str) -> LogOutput {
        LogOutput::StdOut {
            message: text.as_bytes().to_vec().into(),
        }
    }

    #[test]
    fn escapes_and_control_characters_are_dropped() {
        assert_eq!(
            clean_line("\u{1b}[1;31mERROR\u{1b}[0m done\r"),
            "ERROR done"
        );
        assert_eq!(clean_line("\u{1b}]0;title\u{7}text"), "text");
        assert_eq!(clean_line("\u{1b}]8;;http://x\u{1b}\\link"), "link");
        assert_eq!(clean_line("a\tb\u{0}c"), "a    bc");
        assert_eq!(clean_line("naïve ✓"), "naïve ✓");
    }

    #[test]
    fn a_chunk_becomes_its_lines() {
        let mut batch = Vec::new();
        push_lines(&mut batch, &chunk("one\ntwo\n"));
        push_lines(&mut batch, &chunk("three"));
        push_lines(&mut batch, &chunk("\n"));
        assert_eq!(batch, vec!["one", "two", "three"]);
    }
}
